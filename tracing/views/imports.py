"""Contact list import pages: upload a case's list (imported by the background worker), its progress, the
outcome with each row's errors, the error file."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from accounts import access
from accounts.roles import PERSONS_EDIT, TRACING_EDIT
from core.pages import page_form_post
from core.tabular.import_jobs import import_errors_view, import_page_view
from orgunits.models import OrgUnit
from tracing import selectors, services
from tracing.forms import ContactImportForm
from tracing.models import ContactImport

UNIT_CHOICES = 1000


def _units(user) -> list[OrgUnit]:
    """Units the user may register people in, from the street down (for "register new contacts under")."""
    kinds = [OrgUnit.Kind.TOWNSHIP, OrgUnit.Kind.COMMUNITY, OrgUnit.Kind.GRID]
    return list(OrgUnit.objects.filter(access.scope_for(user, PERSONS_EDIT).q("path"), kind__in=kinds)
                .order_by("path")[:UNIT_CHOICES])


@login_required
def contact_import(request, pk: int):
    """Upload a contact list of the case; previous imports listed below the form."""
    case = selectors.case_get_for_user(request.user, pk, perm=TRACING_EDIT)
    units = _units(request.user)
    default = case.person.grid.code if case.person.grid_id else ""
    form = ContactImportForm(request.POST or None, request.FILES or None, units=units, initial={"unit": default})

    def call(d):
        unit = access.unit_get_for_user(request.user, d["unit"], perm=PERSONS_EDIT)
        return services.contact_import_create(case=case, uploaded_file=d["file"], filename=d["file"].name,
                                              unit=unit, by=request.user)

    if request.method == "POST":
        posted = page_form_post(request, form, call, done="", on_form=True)
        if posted:
            return redirect("tracing:contact_import_detail", pk=posted.result.pk)
    return render(request, "tracing/contact_import_form.html", {
        "case": case, "form": form, "imports": selectors.contact_imports_of(case)})


def _progress_context(record) -> dict:
    done, total = services.contact_import_progress(record)
    return {"record": record, "case": record.case, "done": done, "total": total,
            "running": record.state in (ContactImport.State.PENDING, ContactImport.State.RUNNING),
            "more_errors": record.error_rows > len({e["line"] for e in record.errors})}


contact_import_detail = import_page_view(get=selectors.contact_import_get_for_user, context=_progress_context,
                                         template="tracing/contact_import_detail.html")
contact_import_progress = import_page_view(get=selectors.contact_import_get_for_user, context=_progress_context,
                                           template="tracing/contact_import_progress.html")
contact_import_errors = import_errors_view(get=selectors.contact_import_get_for_user, fallback="contact-import",
                                           open_file=services.contact_import_error_file_open)
