from django.contrib import admin
from django.urls import include, path

from accounts.urls import audit_urlpatterns
from dashboard.views import home
from fangkong.api import api
from orgunits.urls import site_urlpatterns

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("units/", include("orgunits.urls")),
    path("sites/", include(site_urlpatterns)),
    path("persons/", include("persons.urls")),
    path("notifications/", include("core.notifications.urls")),
    path("tracing/", include("tracing.urls")),
    path("checkpoints/", include("checkpoints.urls")),
    path("supplies/", include("supplies.urls")),
    path("volunteers/", include("volunteers.urls")),
    path("reports/", include("reports.urls")),
    path("legal/", include("legal.urls")),
    path("offline/", include("offline.urls")),
    path("audit/", include(audit_urlpatterns)),
    path("", include("intake.urls")),  # /intake/ (workers) and /i/ (the public pages)
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
