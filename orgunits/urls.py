from django.urls import path

from orgunits import views

app_name = "orgunits"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("<str:code>/", views.unit_detail, name="detail"),
    path("<str:code>/children/new/", views.unit_child_create, name="child_create"),
    path("<str:code>/rename/", views.unit_rename, name="rename"),
    path("<str:code>/import/", views.unit_import, name="import"),
    path("<str:code>/sites/new/", views.site_create, name="site_create"),
]

site_urlpatterns = ([
    path("<int:pk>/", views.site_detail, name="site_detail"),
], "sites")
