"""Contact pages: adding a close contact of a case or of a contact (phone-friendly), a contact's page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import access
from accounts.roles import TRACING_EDIT
from core.pages import page_form_post
from persons.models import Person
from tracing import selectors, services
from tracing.forms import ContactForm
from tracing.models import Case, FollowUp
from tracing.views.common import disclosure, grids


def _contact_form_page(request, *, source: Person, back, title: str):
    form = ContactForm(request.POST or None, grids=grids(request.user))
    if request.method == "POST" and page_form_post(
            request, form, lambda _d: services.contact_add(source=source, person_data=form.person_data(),
                                                           exposure_data=form.exposure_data(), by=request.user),
            done=lambda added: services.contact_added_message(*added), on_form=True):
        return redirect(request.path) if request.POST.get("again") else back
    return render(request, "tracing/contact_form.html", {"form": form, "title": title, "source": source})


@login_required
def contact_add(request, pk: int):
    """Add a close contact of a case (phone-friendly)."""
    case = selectors.case_get_for_user(request.user, pk, perm=TRACING_EDIT)
    return _contact_form_page(request, source=case.person, back=redirect("tracing:case_detail", pk=case.pk),
                              title=_("Add a contact of %(name)s") % {"name": case.person.name})


@login_required
def contact_add_secondary(request, pk: int):
    """Add a contact of a close contact (次密接)."""
    exposure = selectors.exposure_get_for_user(request.user, pk, perm=TRACING_EDIT)
    return _contact_form_page(request, source=exposure.exposed,
                              back=redirect("tracing:exposure_detail", pk=exposure.pk),
                              title=_("Add a contact of %(name)s") % {"name": exposure.exposed.name})


@login_required
def exposure_detail(request, pk: int):
    """A contact: how they were exposed, their follow-up, their own contacts."""
    exposure = selectors.exposure_get_for_user(request.user, pk)
    shown = disclosure(request)
    subject = shown.subject(exposure.exposed, channel="tracing")
    source = shown.show(exposure.source)  # masked as the chain masks them: their case is someone else's
    source_case = Case.objects.filter(person_id=exposure.source_id).first() if source.in_scope else None
    return render(request, "tracing/exposure_detail.html", {
        "exposure": exposure, "subject": subject, "source": source, "source_case": source_case,
        "can_edit": access.scope_for(request.user, TRACING_EDIT).covers(exposure.unit_path),
        "follow_up": FollowUp.objects.filter(person_id=exposure.exposed_id).order_by("-created_at").first(),
        "contacts": selectors.exposures_in_scope(request.user, source=exposure.exposed).order_by("-last_contact"),
    })
