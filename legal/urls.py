from django.urls import path

from legal import views

app_name = "legal"
urlpatterns = [
    path("", views.knowledge, name="knowledge"),
    path("entries/new/", views.entry_edit, name="entry_new"),
    path("entries/<int:pk>/", views.entry_detail, name="entry"),
    path("entries/<int:pk>/edit/", views.entry_edit, name="entry_edit"),
    path("lookup/", views.lookup, name="lookup"),
    path("calls/", views.calls, name="calls"),
    path("calls/new/", views.call_new, name="call_new"),
    path("calls/<int:pk>/", views.call_detail, name="call"),
    path("calls/<int:pk>/follow-up/", views.call_follow_up, name="call_follow_up"),
    path("publicity/", views.activities, name="activities"),
]
