"""The arrival page (来人登记): one screen, one submit, for grid, community and street workers on a phone."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from accounts.roles import PERSONS_EDIT
from core.errors import DomainError
from core.forms import form_add_domain_error
from orgunits.models import OrgUnit
from persons import selectors
from persons.arrivals import ArrivalKnown, arrival_register, quarantine_sites_for
from persons.forms import ArrivalForm
from persons.identity import mask_doc, mask_phone
from persons.origins import origin_choices


def _grids_and_own(user) -> tuple[list[OrgUnit], str | None]:
    """The grids (and communities) the user registers people in, and the one to offer first: the user's own."""
    scope = access.scope_for(user, PERSONS_EDIT)
    grids = list(OrgUnit.objects.filter(scope.q("path"), kind__in=[OrgUnit.Kind.GRID, OrgUnit.Kind.COMMUNITY])
                 .order_by("path")[:2000])
    own = None
    if scope.paths and len(scope.paths) == 1:
        own = next((g.code for g in grids if g.path == scope.paths[0]), None)
    if own is None and len(grids) == 1:
        own = grids[0].code
    return grids, own


def _known(person) -> dict:
    """What is on file about a person found by the document typed (masked, as on the list)."""
    return {"pk": person.pk, "name": person.name, "grid": person.grid.name, "doc_masked": mask_doc(person.doc_number),
            "phone_masked": mask_phone(person.phone), "categories": selectors.categories_as_of(person),
            "status": selectors.status_as_of(person)}


@login_required
def arrival(request):
    """Register an arrival; a document on file in the caller's units shows that person to confirm the update."""
    access.require(request.user, PERSONS_EDIT)
    grids, own = _grids_and_own(request.user)
    options = {"grids": grids, "sites": quarantine_sites_for(request.user), "origins": origin_choices()}
    form = ArrivalForm(request.POST or None, initial={"grid": own, "arrived": timezone.localdate()}, **options)
    known = None
    if request.method == "POST" and form.is_valid():
        try:
            result = arrival_register(data=form.raw(), by=request.user, person_id=form.cleaned_data["person"],
                                      version=form.cleaned_data["version"])
        except ArrivalKnown as exc:
            data = request.POST.copy()
            data["person"], data["version"] = str(exc.person.pk), str(exc.person.version)
            form = ArrivalForm(data, **options)
            form.is_valid()
            known = _known(exc.person)
        except DomainError as exc:
            form_add_domain_error(form, exc)
        else:
            text = (_("%(name)s is registered as arrived.") if result.created
                    else _("The arrival of %(name)s is recorded.")) % {"name": result.person.name}
            if result.notices:
                messages.warning(request, " ".join([text, *result.notices]))
            else:
                messages.success(request, text)
            return redirect("persons:detail", pk=result.person.pk)
    return render(request, "persons/arrival.html", {"form": form, "known": known})
