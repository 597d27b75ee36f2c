from django.urls import path

from volunteers import views

app_name = "volunteers"
urlpatterns = [
    path("", views.home, name="home"),
    path("tally/", views.tally, name="tally"),
    path("units/new/", views.org_create, name="org_create"),
    path("units/<int:pk>/", views.org_detail, name="org"),
    path("units/<int:pk>/people/", views.volunteer_add, name="volunteer_add"),
    path("units/<int:pk>/coordinators/", views.coordinator_add, name="coordinator_add"),
    path("units/<int:pk>/commendations/", views.commendation_add, name="commendation_add"),
    path("units/<int:pk>/donors/", views.org_donors, name="org_donors"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("sites/<int:pk>/needs/new/", views.need_create, name="need_create"),
    path("sites/<int:pk>/roster/", views.roster, name="roster"),
    path("areas/<str:code>/roster/", views.area_roster, name="area_roster"),
    path("needs/<int:pk>/", views.need_detail, name="need"),
    path("slots/<int:pk>/signup/", views.slot_signup, name="signup"),
    path("assignments/<int:pk>/check-in/", views.assignment_check_in, name="check_in"),
    path("assignments/<int:pk>/check-out/", views.assignment_check_out, name="check_out"),
    path("assignments/<int:pk>/cancel/", views.assignment_cancel, name="cancel"),
    path("assignments/<int:pk>/swap/", views.assignment_swap, name="swap"),
]
