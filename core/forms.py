"""Rendering a DomainError onto a Django form: the one place pages turn domain errors into messages."""

from django import forms

from core.errors import DomainError


def form_add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Put the error's message on the form and each field's reasons on that field."""
    form.add_error(None, str(error.message))
    for name, messages in error.fields.items():
        for message in messages:
            form.add_error(name if name in form.fields else None,
                           str(message) if name in form.fields else f"{name}: {message}")
