"""Text is stored whole or not at all: a value longer than its column is refused, naming the field, before the
database sees it.

A column's length is a hard invariant of the database on PostgreSQL, which refuses a longer value with a DataError
that names no field (an error page), while SQLite stores any length. So every model of the project's apps is
checked when a row is saved — whichever page, endpoint, service or command saves it — and a value beyond its
CharField's `max_length` raises DomainError("too_long") naming the field by its label, which pages and the API
render as any refused input (a 400). Services that want the reasons beside their own call `lengths_errors`
first. Rows written in bulk (bulk_create, update) are checked by the code that writes them.
"""

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.signals import pre_save
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from core.errors import DomainError

PROJECT_APPS = {"core", "orgunits", "accounts", "persons", "tracing", "intake", "offline", "checkpoints", "supplies",
                "volunteers", "reports", "legal", "dashboard", "fangkong"}


def lengths_errors(model: type[models.Model], values: dict) -> dict[str, list[str]]:
    """The reasons per field for each text in `values` (field name -> value) longer than the model's column."""
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        limit = getattr(field, "max_length", None)
        if isinstance(field, models.CharField) and limit and isinstance(value, str) and len(value) > limit:
            errors[name] = [_("%(field)s is too long: at most %(max)d characters, not %(given)d.")
                            % {"field": capfirst(field.verbose_name), "max": limit, "given": len(value)}]
    return errors


def lengths_check(model: type[models.Model], values: dict) -> None:
    """DomainError("too_long") naming each text in `values` longer than the model's column."""
    errors = lengths_errors(model, values)
    if errors:
        raise DomainError("too_long", next(iter(errors.values()))[0], fields=errors)


def _refuse_too_long(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or sender._meta.app_label not in PROJECT_APPS:  # fixtures and restores load what was stored
        return
    fields = [f for f in sender._meta.concrete_fields if isinstance(f, models.CharField)
              and (update_fields is None or f.name in update_fields)]
    lengths_check(sender, {f.name: getattr(instance, f.attname) for f in fields})


def lengths_enforce() -> None:
    """Check every row a model of the project's apps saves (called once, from core.apps)."""
    pre_save.connect(_refuse_too_long, dispatch_uid="core.lengths")
