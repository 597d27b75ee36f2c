from django.urls import path

from checkpoints import views

app_name = "checkpoints"
urlpatterns = [
    path("", views.index, name="index"),
    path("alerts/live/", views.alerts_live, name="alerts_live"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert"),
    path("alerts/<int:pk>/recheck/", views.alert_recheck, name="alert_recheck"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident"),
    path("incidents/<int:pk>/steps/", views.incident_step, name="incident_step"),
    path("sites/<int:pk>/", views.site_detail, name="site"),
    path("sites/<int:pk>/checkpoints/", views.checkpoint_create, name="checkpoint_create"),
    path("sites/<int:pk>/teams/", views.team_create, name="team_create"),
    path("sites/<int:pk>/stations/", views.station_assign, name="station_assign"),
    path("sites/<int:pk>/rule/", views.rule_set, name="rule_set"),
    path("stations/<int:pk>/end/", views.station_end, name="station_end"),
    path("devices/<int:pk>/deactivate/", views.device_deactivate, name="device_deactivate"),
    path("devices/<int:pk>/key/", views.device_key_rotate, name="device_key_rotate"),
    path("teams/<int:pk>/", views.team_detail, name="team"),
    path("teams/<int:pk>/members/", views.member_add, name="member_add"),
    path("teams/<int:pk>/suspend/", views.team_suspend, name="team_suspend"),
    path("teams/<int:pk>/release/", views.team_release, name="team_release"),
    path("members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("<int:pk>/", views.gate, name="gate"),
    path("<int:pk>/pass/", views.gate_pass, name="pass"),
    path("<int:pk>/people/", views.gate_people, name="people"),
    path("<int:pk>/log/", views.log, name="log"),
    path("<int:pk>/devices/", views.device_register, name="device_register"),
]
