"""The words of a DomainError (and of a form's errors) on a page: the one place they are turned into what people
read, used by core.pages, through which every page posts and shows its errors. A reason goes next to the field of
the page's form it concerns; any other reason is shown without its field's key: keys are for programs (the API's
`fields`), never for people."""

from collections.abc import Iterable, Mapping

from django import forms
from django.utils import translation
from django.utils.functional import Promise

from core.errors import DomainError


def _chinese() -> bool:
    return (translation.get_language() or "").startswith("zh")


def _labelled(label: str | Promise | None, text: str) -> str:
    return (f"{label}：{text}" if _chinese() else f"{label}: {text}") if label else text


def _joined(parts: list[str]) -> str:
    return ("；" if _chinese() else "; ").join(parts)


def form_add_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    """Put the error's message on the form and each field's reasons on that field (on the form, without the
    field's key, when the form has no such field)."""
    form.add_error(None, str(error.message))
    for name, messages in error.fields.items():
        for message in messages:
            if name in form.fields:
                form.add_error(name, str(message))
            elif str(message) not in str(error.message):
                form.add_error(None, str(message))


def choices_set(form: forms.BaseForm, name: str, choices: Iterable) -> None:
    """Give the choice field `name` of `form` the choices of this request (the caller's units, roles …)."""
    field = form.fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{type(form).__name__}.{name} is not a choice field")
    field.choices = choices


def model_choices_shown(form: forms.BaseForm, name: str, objects: Iterable) -> None:
    """Show the model choice field `name` of the unbound `form` with `objects` (its queryset's rows, read already for
    the page) as its options, exactly as it would show them, without reading its queryset again. A bound form
    validates against the queryset as always."""
    field = form.fields[name]
    if not isinstance(field, forms.ModelChoiceField) or form.is_bound:
        raise TypeError(f"{type(form).__name__}.{name} is not a model choice field of an unbound form")
    empty = [("", field.empty_label)] if field.empty_label is not None else []
    field.widget.choices = empty + [(field.prepare_value(o), field.label_from_instance(o)) for o in objects]


def domain_error_text(error: DomainError, *, labels: Mapping[str, str] | None = None) -> str:
    """The error in one line for a page's message: its message, then each reason it does not already say, after
    the label of its field when `labels` names one (e.g. a form's field labels), never after the field's key."""
    parts = [str(error.message)]
    for name, messages in error.fields.items():
        for message in messages:
            text = str(message)
            if text in parts[0]:
                continue
            parts.append(_labelled((labels or {}).get(name), text))
    return _joined(parts)


def form_errors_text(form: forms.BaseForm) -> str:
    """A bound form's errors in one line: each field's after its label, the form's own without a name."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else None
        parts += [_labelled(label, str(e)) for e in errors]
    return _joined(parts)
