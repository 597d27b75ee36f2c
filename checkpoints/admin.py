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
from core.admin import ReadOnlyAdmin


@admin.register(Checkpoint)
class CheckpointAdmin(ReadOnlyAdmin):
    list_display = ["name", "site", "active"]
    search_fields = ["name", "site__name"]


@admin.register(Device)
class DeviceAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "checkpoint", "active"]
    search_fields = ["code", "name"]


@admin.register(FeverRule)
class FeverRuleAdmin(ReadOnlyAdmin):
    list_display = ["site", "threshold", "recheck_minutes", "updated_at"]


@admin.register(Station)
class StationAdmin(ReadOnlyAdmin):
    list_display = ["user", "site", "start", "end"]


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    list_display = ["name", "site", "leader", "active"]
    search_fields = ["name", "site__name"]


@admin.register(TeamMember)
class TeamMemberAdmin(ReadOnlyAdmin):
    list_display = ["person", "team", "badge", "joined_at", "left_at"]
    search_fields = ["badge", "person__name"]


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ["raised_at", "checkpoint", "person", "subject", "temperature", "state"]
    list_filter = ["state"]


class IncidentStepInline(admin.TabularInline):
    model = IncidentStep
    extra = 0
    can_delete = False
    fields = ["at", "kind", "by_name", "data", "note", "recorded_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "checkpoint", "person", "state", "outcome", "closed_at"]
    list_filter = ["state", "outcome"]
    inlines = [IncidentStepInline]
