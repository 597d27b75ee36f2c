from django.urls import path

from offline import views

app_name = "offline"
urlpatterns = [
    path("", views.app, name="app"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("icon-192.png", views.icon, {"size": 192}, name="icon_192"),
    path("icon-512.png", views.icon, {"size": 512}, name="icon_512"),
]
