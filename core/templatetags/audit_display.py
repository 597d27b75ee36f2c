"""Audit entries on a page, in the reader's language: {% load audit_display %} then {{ entry|audit_object }},
{{ entry|audit_note }}, {{ entry|audit_actor }} and {% for name, before, after in entry|audit_changes %}."""

from django import template

from core import audit

register = template.Library()


@register.filter
def audit_object(entry) -> str:
    """"人员 #12": the kind of object (its model's verbose name) and its id."""
    label = audit.object_type_label(entry.object_type)
    return f"{label} #{entry.object_id}" if entry.object_id else label


@register.filter
def audit_note(entry) -> str:
    return audit.note_text(entry.note)


@register.filter
def audit_actor(entry) -> str:
    return audit.actor_text(entry)


@register.filter
def audit_changes(entry) -> list[tuple[str, str, str]]:
    return audit.changes_text(entry)
