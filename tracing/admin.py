"""Read-only admin views of tracing (writes go through the services)."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from tracing.models import Case, Exposure, FollowUp, Task, Visit


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["id", "person", "classification", "classification_method", "classified_at", "unit_path"]
    list_filter = ["classification", "classification_method"]
    raw_id_fields = ["person"]


@admin.register(Exposure)
class ExposureAdmin(ReadOnlyAdmin):
    list_display = ["id", "source", "exposed", "degree", "last_contact", "setting"]
    list_filter = ["degree", "setting"]


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ["id", "person", "place", "site", "community", "start", "end"]


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    list_display = ["id", "person", "category", "state", "start", "end"]
    list_filter = ["state", "category"]


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "priority", "status", "due_at", "assignee", "escalated_to"]
    list_filter = ["kind", "status", "priority"]

