from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.today, name="today"),
    path("indicator/", views.indicator_preview, name="indicator"),
    path("forms/<slug:code>/compute/", views.compute, name="compute"),
    path("forms/<slug:code>/versions/", views.form_versions, name="versions"),
    path("s/<int:pk>/", views.submission_detail, name="submission"),
    path("s/<int:pk>/action/", views.submission_action, name="submission_action"),
    path("s/<int:pk>/cell/<str:row>/<slug:column>/", views.cell, name="cell"),
]
