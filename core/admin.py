"""The Django admin is an inspection tool here: read-only, so every write goes through a service."""

from django.contrib import admin

from core.models import AuditEntry, Notification


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def read_only_register(model, **options) -> type[ReadOnlyAdmin]:
    """Register `model` in the admin read-only, with the ModelAdmin `options` (list_display, search_fields…)."""
    model_admin = type(f"{model.__name__}Admin", (ReadOnlyAdmin,), {"__module__": model.__module__, **options})
    admin.site.register(model, model_admin)
    return model_admin


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_name", "action", "object_type", "object_id", "object_repr"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_name", "object_id", "object_repr"]
    date_hierarchy = "at"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["id", "recipient", "kind", "title", "created_at", "read_at"]
