"""What every page does the same way with a request: post a form to a service and say how it went, show a
DomainError as the page's message, read the day a page is asked for, and go back to where the page was sent
from. Views call these; none writes its own (the text of errors is core.forms')."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, overload

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.forms import domain_error_text, form_add_domain_error, form_errors_text
from core.timebounds import day_parse

Done = str | Callable[[Any], str | None] | None


@dataclass(frozen=True)
class Posted:
    """What a post came to: `ok` (its truth value too) and what the service returned."""

    ok: bool
    result: Any = None

    def __bool__(self) -> bool:
        return self.ok


def page_error(request: HttpRequest, error: DomainError, *, form: forms.BaseForm | None = None) -> None:
    """The error as the page's message: its message, then each reason it does not already say, after the label of
    its field when `form` has that field (never after the field's key)."""
    labels = {name: str(field.label) for name, field in form.fields.items() if field.label} if form else None
    messages.error(request, domain_error_text(error, labels=labels))


def page_call(request: HttpRequest, call: Callable[[], Any], *, done: Done = None,
              form: forms.BaseForm | None = None, on_form: bool = False) -> Posted:
    """Call the service and say how it went:
    1. a DomainError becomes the page's message (on `form`, beside its fields, when `on_form`);
    2. success says `done` (a text, or a function of the service's result giving one; None: "Saved."; "": nothing,
       the caller speaks), and what the service changed or set in motion (its result's `notices`) beside it as a
       warning."""
    try:
        result = call()
    except DomainError as exc:
        if on_form and form is not None:
            form_add_domain_error(form, exc)
        else:
            page_error(request, exc, form=form)
        return Posted(False)
    text = done(result) if callable(done) else done
    text = _("Saved.") if text is None else text
    notices = getattr(result, "notices", None)
    if notices:
        messages.warning(request, " ".join([text, *notices]) if text else " ".join(notices))
    elif text:
        messages.success(request, text)
    return Posted(True, result)


def page_form_post(request: HttpRequest, form: forms.BaseForm, call: Callable[[dict], Any], *, done: Done = None,
                   on_form: bool = False) -> Posted:
    """Validate the bound form, call the service with its cleaned data and say how it went (as page_call). An
    invalid form's errors become the page's message, or stay on the form for the page to show when `on_form`."""
    if not form.is_valid():
        if not on_form:
            messages.error(request, form_errors_text(form))
        return Posted(False)
    return page_call(request, lambda: call(form.cleaned_data), done=done, form=form, on_form=on_form)


@overload
def page_day(request: HttpRequest, name: str = "day", *, default: dt.date | None = None,
             strict: Literal[False] = False) -> dt.date: ...


@overload
def page_day(request: HttpRequest, name: str = "day", *, default: dt.date | None = None,
             strict: bool) -> dt.date | None: ...


def page_day(request: HttpRequest, name: str = "day", *, default: dt.date | None = None,
             strict: bool = False) -> dt.date | None:
    """The day a page is asked for (?day=2020-05-21, within core.timebounds' years). Without one, `default` or
    today in local time; one that cannot be read is the default too, or None when `strict` (a download answers
    400 rather than another day's file)."""
    text = (request.GET.get(name) or "").strip()
    day = day_parse(text)
    if day is None and text and strict:
        return None
    return day or default or timezone.localdate()


def page_back_path(request: HttpRequest, default: str, *, under: str = "/") -> str:
    """Where a post goes back to: its `next` when that is a path of this site (under `under`), else `default`."""
    target = request.POST.get("next") or ""
    same_site = (target.startswith(under) and target.startswith("/") and not target.startswith(("//", "/\\"))
                 and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                     require_https=request.is_secure()))
    return target if same_site else default


def page_back(request: HttpRequest, default: str, *args, under: str = "/") -> HttpResponseRedirect:
    """A redirect to the post's `next` when it is a path of this site (under `under`), else to `default` (a URL
    name with its `args`, or a path)."""
    target = page_back_path(request, "", under=under)
    return redirect(target) if target else redirect(default, *args)
