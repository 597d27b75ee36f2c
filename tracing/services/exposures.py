"""Exposures, the edges of the transmission graph, and adding contacts: a contact already in the line list
(same document) is linked, never registered twice; each exposure opens or moves the contact's follow-up."""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record, snapshot
from core.errors import DomainError
from persons.models import Person
from persons.services import person_register
from persons.validation import person_clean
from tracing.models import Case, Exposure, FollowUp
from tracing.services.common import CLOSE_CONTACT, SECONDARY_CONTACT, category, not_in_future
from tracing.services.followups import follow_up_open_or_extend

EXPOSURE_AUDIT_FIELDS = ["source", "exposed", "degree", "first_contact", "last_contact", "setting", "proximity",
                         "certainty", "note"]


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


def _exposure_clean(data: Mapping[str, Any]) -> tuple[dict, dict[str, list[str]]]:
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
    clean, errors = _exposure_clean(data)
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
    clean, errors = _exposure_clean(merged)
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


def contact_add(*, source: Person, person_data: Mapping[str, Any], exposure_data: Mapping[str, Any],
                by) -> tuple[Exposure, bool]:
    """Add a contact of `source`: the person with the same document is linked if registered, else
    registered through the line list's service; then the exposure is recorded. All or nothing.
    Returns (exposure, whether the person was newly registered)."""
    existing, errors = person_find_by_document(person_data.get("doc_type"), person_data.get("doc_number"))
    if errors:
        raise DomainError("invalid_person", _("The contact's document is not valid."), fields=errors)
    _clean, exposure_errors = _exposure_clean(exposure_data)
    if exposure_errors:
        raise DomainError("invalid_exposure", _("The exposure cannot be recorded; correct the fields marked."),
                          fields=exposure_errors)
    with transaction.atomic():
        person = existing or person_register(data=person_data, by=by)
        exposure = exposure_record(source=source, exposed=person, data=exposure_data, by=by)
    return exposure, existing is None
