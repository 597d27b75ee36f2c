"""Exposures, the edges of the transmission graph, and adding contacts: a contact already in the line list
(same document) is linked, never registered twice; each exposure opens or moves the contact's follow-up. A
contact registered outside the caller's units is referred there (协查), never linked by the caller."""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from accounts.access import scope_for
from accounts.roles import TRACING_EDIT
from core.audit import audit_record, snapshot
from core.errors import DomainError
from orgunits.models import OrgUnit
from persons.models import Person
from persons.services import person_register
from persons.validation import person_clean
from tracing.models import Case, Exposure, FollowUp, Task
from tracing.services.common import CLOSE_CONTACT, SECONDARY_CONTACT, category, not_in_future
from tracing.services.followups import follow_up_open_or_extend
from tracing.services.tasks import task_create

EXPOSURE_AUDIT_FIELDS = ["source", "exposed", "degree", "first_contact", "last_contact", "setting", "proximity",
                         "certainty", "note"]
# What the caller is told of a referred contact: no name, no id, no unit.
CONTACT_REFERRED = gettext_lazy("Referred to the place where this person is registered, for verification.")
REFERRAL_DUE = dt.timedelta(hours=4)  # a referred contact is verified the same day; urgent, so it escalates


def exposure_degree(source: Person) -> int:
    """1 when the source is a case (suspected, confirmed or asymptomatic), 2 when it is a close contact
    under follow-up; otherwise a DomainError saying why nobody is traced from this person."""
    if Case.objects.filter(person=source).exclude(classification=Case.Classification.EXCLUDED).exists():
        return 1
    fu = FollowUp.objects.filter(person=source, state=FollowUp.State.ACTIVE).select_related("category").first()
    if fu is not None and fu.category.code == CLOSE_CONTACT:
        return 2
    if fu is not None:
        raise DomainError("not_traced", _("%(name)s is a contact of a close contact; their own contacts are not "
                                          "traced.") % {"name": source.name}, fields={"source": [_("Not traced.")]})
    raise DomainError("not_traced", _("%(name)s is neither a case nor a close contact under follow-up.")
                      % {"name": source.name}, fields={"source": [_("Not a case or close contact.")]})


def exposure_clean(data: Mapping[str, Any]) -> tuple[dict, dict[str, list[str]]]:
    """(clean values, errors by field) of an exposure's dates and circumstances, as a contact added by hand or
    from a contact list is checked."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    first, last = data.get("first_contact"), data.get("last_contact")
    if last is None and first is not None:
        last = first
    if first is None and last is not None:
        first = last
    if last is None:
        errors["last_contact"] = [_("Give the date of the last contact.")]
    elif not isinstance(last, dt.date) or not isinstance(first, dt.date):
        errors["last_contact"] = [_("Not a date.")]
    else:
        if last < first:
            errors["last_contact"] = [_("The last contact lies before the first.")]
        not_in_future(first, "first_contact", errors)
        not_in_future(last, "last_contact", errors)
    clean["first_contact"], clean["last_contact"] = first, last
    for name, choices, default in (("setting", Exposure.Setting, Exposure.Setting.OTHER),
                                   ("proximity", Exposure.Proximity, Exposure.Proximity.CLOSE),
                                   ("certainty", Exposure.Certainty, Exposure.Certainty.HIGH)):
        value = data.get(name) or default
        if value not in choices.values:
            errors[name] = [_("Choose one of: %(c)s.") % {"c": ", ".join(str(label) for label in choices.labels)}]
        clean[name] = value
    note = str(data.get("note") or "").strip()
    if len(note) > 200:
        errors["note"] = [_("At most 200 characters.")]
    clean["note"] = note
    return clean, errors


def exposure_record(*, source: Person, exposed: Person, data: Mapping[str, Any], by) -> Exposure:
    """Record that `source` exposed `exposed` (dates, setting, proximity, certainty). The same pair again
    widens the dates of their exposure. The contact's follow-up opens or its end moves."""
    clean, errors = exposure_clean(data)
    if source.pk == exposed.pk:
        errors["exposed"] = [_("A person cannot be their own contact.")]
    if errors:
        raise DomainError("invalid_exposure", _("The exposure cannot be recorded; correct the fields marked."),
                          fields=errors)
    with transaction.atomic():
        degree = exposure_degree(source)
        if Case.objects.filter(person=exposed).exclude(classification=Case.Classification.EXCLUDED).exists():
            raise DomainError("already_a_case", _("%(name)s is a case: cases are not followed up as contacts.")
                              % {"name": exposed.name}, fields={"exposed": [_("Already a case.")]})
        exposure = Exposure.objects.select_for_update().filter(source=source, exposed=exposed).first()
        if exposure is None:
            exposure = Exposure.objects.create(source=source, exposed=exposed, degree=degree,
                                               unit_path=exposed.unit_path, created_by=by, **clean)
            audit_record(actor=by, action="create", obj=exposure, object_repr=f"{source.name} → {exposed.name}",
                         unit_path=exposure.unit_path, after=snapshot(exposure, EXPOSURE_AUDIT_FIELDS))
        else:
            before = snapshot(exposure, EXPOSURE_AUDIT_FIELDS)
            exposure.first_contact = min(exposure.first_contact, clean.pop("first_contact"))
            exposure.last_contact = max(exposure.last_contact, clean.pop("last_contact"))
            for key, value in clean.items():
                if value or key != "note":
                    setattr(exposure, key, value)
            exposure.degree = min(exposure.degree, degree)
            exposure.unit_path = exposed.unit_path
            exposure.save()
            audit_record(actor=by, action="update", obj=exposure, object_repr=f"{source.name} → {exposed.name}",
                         unit_path=exposure.unit_path, before=before, after=snapshot(exposure, EXPOSURE_AUDIT_FIELDS))
        code = CLOSE_CONTACT if degree == 1 else SECONDARY_CONTACT
        follow_up_open_or_extend(person=exposed, category=category(code), last_exposure=exposure.last_contact,
                                 at=timezone.now(), by=by)
    return exposure


def exposure_update(*, exposure: Exposure, data: Mapping[str, Any], by) -> Exposure:
    """Correct an exposure's dates and circumstances; a later last contact moves the follow-up's end."""
    merged = {k: getattr(exposure, k) for k in ("first_contact", "last_contact", "setting", "proximity",
                                                "certainty", "note")}
    merged.update({k: v for k, v in data.items() if k in merged})
    clean, errors = exposure_clean(merged)
    if errors:
        raise DomainError("invalid_exposure", _("The exposure cannot be changed; correct the fields marked."),
                          fields=errors)
    with transaction.atomic():
        current = Exposure.objects.select_for_update().select_related("exposed").get(pk=exposure.pk)
        before = snapshot(current, EXPOSURE_AUDIT_FIELDS)
        for key, value in clean.items():
            setattr(current, key, value)
        current.save()
        audit_record(actor=by, action="update", obj=current, unit_path=current.unit_path, before=before,
                     after=snapshot(current, EXPOSURE_AUDIT_FIELDS))
        fu = FollowUp.objects.filter(person=current.exposed, state=FollowUp.State.ACTIVE).select_related(
            "category").first()
        if fu is not None and current.last_contact > fu.last_exposure:
            follow_up_open_or_extend(person=current.exposed, category=fu.category,
                                     last_exposure=current.last_contact, by=by)
    return current


def person_find_by_document(doc_type: Any, doc_number: Any) -> tuple[Person | None, dict[str, list[str]]]:
    """The registered person with this document (normalised as the registry normalises it), or None;
    with the document's errors if it is not valid."""
    clean, errors = person_clean({"doc_type": doc_type or "", "doc_number": doc_number or ""}, custom_fields=[],
                                 today=timezone.localdate(), partial=True)
    errors = {k: v for k, v in errors.items() if k in ("doc_type", "doc_number")}
    if errors:
        return None, errors
    return Person.objects.filter(doc_type=clean["doc_type"], doc_number=clean["doc_number"]).first(), {}


def contact_in_scope(person: Person, *, by) -> bool:
    """Whether `by` may link `person` as a contact (their tracing scope covers the person's unit): the exposure
    and the follow-up are written in the contact's unit."""
    return by is None or scope_for(by, TRACING_EDIT).covers(person.unit_path)


def _area_name(person: Person) -> str:
    """The community (or the unit) a person is registered in, by name."""
    grid = person.grid
    if grid.kind == OrgUnit.Kind.GRID and grid.parent_id:
        return grid.parent.name
    return grid.name


def contact_refer(*, source: Person, person: Person, last_contact: dt.date, by) -> Task | None:
    """Refer a contact registered outside `by`'s units to the unit that holds them (协查): an urgent `verify` task
    about the person in their own unit, given as every task is to their grid worker, saying which area reported
    them and the last contact, so that their community confirms and records the exposure itself. `by` writes
    nothing about the person, and their audit entry (in the source's unit) names neither the person nor their
    unit. The same referral still open is not made twice. Returns the task, for the system's callers only."""
    degree = exposure_degree(source)
    what = _("close contact") if degree == 1 else _("contact of a close contact")
    title = (_("Referral: reported as a %(what)s by %(area)s, last contact on %(day)s; verify and record the "
               "exposure.") % {"what": what, "area": _area_name(source), "day": last_contact.isoformat()})[:200]
    with transaction.atomic():
        task = Task.objects.filter(person=person, kind=Task.Kind.VERIFY, title=title, status__in=Task.OPEN).first()
        if task is None:
            task = task_create(kind=Task.Kind.VERIFY, priority=Task.Priority.URGENT, person=person, title=title,
                               due_at=timezone.now() + REFERRAL_DUE, by=None)
        audit_record(actor=by, action="create", object_type="tracing.referral", object_repr=source.name,
                     unit_path=source.unit_path, after={"source": source.pk, "last_contact": last_contact.isoformat()},
                     note=gettext_noop("a contact registered in another unit was referred there for verification"))
    return task


def contact_added_message(exposure: Exposure | None, created: bool) -> str:
    """What the person who added a contact is told: who was registered or linked, or (referred) only that."""
    if exposure is None:
        return str(CONTACT_REFERRED)
    return (_("%(name)s is registered and added as a contact.") if created else
            _("%(name)s was already registered and is linked as a contact.")) % {"name": exposure.exposed.name}


def contact_add(*, source: Person, person_data: Mapping[str, Any], exposure_data: Mapping[str, Any],
                by) -> tuple[Exposure | None, bool]:
    """Add a contact of `source`: the person with the same document is linked if registered in `by`'s units,
    else registered through the line list's service; then the exposure is recorded. All or nothing.
    Returns (exposure, whether the person was newly registered). A contact registered outside `by`'s units is
    referred to theirs (contact_refer) and (None, False) is returned: nothing of them reaches the caller."""
    existing, errors = person_find_by_document(person_data.get("doc_type"), person_data.get("doc_number"))
    if errors:
        raise DomainError("invalid_person", _("The contact's document is not valid."), fields=errors)
    clean, exposure_errors = exposure_clean(exposure_data)
    if exposure_errors:
        raise DomainError("invalid_exposure", _("The exposure cannot be recorded; correct the fields marked."),
                          fields=exposure_errors)
    if existing is not None and not contact_in_scope(existing, by=by):
        contact_refer(source=source, person=existing, last_contact=clean["last_contact"], by=by)
        return None, False
    with transaction.atomic():
        person = existing or person_register(data=person_data, by=by)
        exposure = exposure_record(source=source, exposed=person, data=exposure_data, by=by)
    return exposure, existing is None
