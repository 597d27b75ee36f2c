from django.urls import path

from offline import views

app_name = "offline"
urlpatterns = [
    path("", views.app, name="app"),
]
