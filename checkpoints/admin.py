from django.contrib import admin

from checkpoints.models import (
    Alert,
    Checkpoint,
    Device,
    FeverRule,
    Incident,
    IncidentStep,
    Station,
    Team,
    TeamMember,
)
from core.admin import read_only_register

read_only_register(Checkpoint, list_display=["name", "site", "active"], search_fields=["name", "site__name"])
read_only_register(Device, list_display=["code", "name", "checkpoint", "active"], search_fields=["code", "name"])
read_only_register(FeverRule, list_display=["site", "threshold", "recheck_minutes", "updated_at"])
read_only_register(Station, list_display=["user", "site", "start", "end"])
read_only_register(Team, list_display=["name", "site", "leader", "active"], search_fields=["name", "site__name"])
read_only_register(TeamMember, list_display=["person", "team", "badge", "joined_at", "left_at"],
                   search_fields=["badge", "person__name"])
read_only_register(Alert, list_display=["raised_at", "checkpoint", "person", "subject", "temperature", "state"],
                   list_filter=["state"])


class IncidentStepInline(admin.TabularInline):
    model = IncidentStep
    extra = 0
    can_delete = False
    fields = ["at", "kind", "by_name", "data", "note", "recorded_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


read_only_register(Incident, list_display=["started_at", "checkpoint", "person", "state", "outcome", "closed_at"],
                   list_filter=["state", "outcome"], inlines=[IncidentStepInline])
