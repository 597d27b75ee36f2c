"""`{% form_fields form %}`: templates/form_fields.html for `form`, kept in the process's own cache.

A form's fields cost more to render than the rest of a list or person page (every widget and every option of a
select is a template of its own). What they render to depends only on the form: the language, the form's class,
prefix and ids, and for each field its class and widget (their attributes, the choices as the user reads them),
label, help text, value and errors. The cache key is a digest of all of that, so a key is never shared by two
renderings that differ: a user whose choices differ (another scope's quarantine sites) or whose values differ gets
a key of their own, and nothing of one user's form reaches another's page unless it is exactly what theirs would
show. Something the digest cannot read plainly (an object without a stable representation) makes the key change
every time, which costs a render, never a wrong page. `{% csrf_token %}` and everything else outside the fields
stay in the page's template.

The same digest gives the same fields in every process, so each process keeps its own (settings.CACHES["process"], in
memory): a page reads them without a query.
"""

import hashlib
import json

from django import template
from django.core.cache import caches
from django.db.models import Model
from django.forms.models import ModelChoiceIteratorValue
from django.utils.functional import Promise
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

TEMPLATE = "form_fields.html"
SECONDS = 24 * 3600  # the key changes with every input; an entry is only ever dropped to make room


def _plain(value):
    """`value` as plain JSON-able data that says everything the rendering may read of it."""
    if isinstance(value, Promise):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):
        return [[_plain(k), _plain(v)] for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))]
    if isinstance(value, set | frozenset):
        return sorted((_plain(v) for v in value), key=repr)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, ModelChoiceIteratorValue):  # a model choice's value: its key in the page
        return ["choice", str(value)]  # its str() is its value
    if isinstance(value, Model):
        return [value._meta.label, _plain(value.pk), str(value)]
    return [type(value).__qualname__, repr(value)]  # an address in the repr changes the key: a miss, never a leak


def _field(bound) -> list:
    field, widget = bound.field, bound.field.widget
    state = {k: v for k, v in vars(widget).items() if k not in ("choices", "_choices")}  # read below
    choices = [[_plain(v), _plain(label)] for v, label in widget.choices] if hasattr(widget, "choices") else None
    return [bound.name, type(field).__module__, type(field).__qualname__, type(widget).__module__,
            type(widget).__qualname__, _plain(state), choices, _plain(bound.label), _plain(field.help_text),
            field.required, field.disabled, field.show_hidden_initial, field.localize, _plain(bound.value()),
            [str(e) for e in bound.errors]]


def fragment_key(form) -> str:
    """The cache key of `form`'s rendered fields: a digest of everything the rendering reads."""
    parts = [TEMPLATE, get_language(), type(form).__module__, type(form).__qualname__, form.prefix,
             _plain(form.auto_id), _plain(form.label_suffix), form.is_bound,
             [str(e) for e in form.non_field_errors()], [_field(bound) for bound in form]]
    digest = hashlib.sha256(json.dumps(parts, ensure_ascii=False, default=repr).encode()).hexdigest()
    return f"fk:form-fields:{digest}"


@register.simple_tag(takes_context=True)
def form_fields(context, form):
    """The form's fields as templates/form_fields.html renders them, from the cache when rendered before."""
    key = fragment_key(form)
    cache = caches["process"]
    html = cache.get(key)
    if html is None:
        html = context.template.engine.get_template(TEMPLATE).render(
            template.Context({"form": form}, autoescape=context.autoescape))
        cache.set(key, str(html), SECONDS)
    return mark_safe(html)
