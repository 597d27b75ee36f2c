"""Cases: register, classify (by hand or by rule, with the history), change their dates and outcome.
A classification writes the matching registry category (疑似病例, 确诊病例, 无症状感染者) through persons'
services, and ends the person's follow-up as a contact."""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.audit import audit_record, snapshot
from core.clock import day_of, day_start
from core.errors import DomainError
from orgunits.models import Site
from persons.models import HealthCheck, Person
from tracing.models import Case, CaseClassification, FollowUp
from tracing.services.common import (
    CLASSIFICATION_CATEGORY,
    not_in_future,
    registry_close,
    registry_open,
)
from tracing.services.followups import follow_up_end_for_case

CASE_AUDIT_FIELDS = ["person", "label", "classification", "classification_method", "classified_at", "onset_date",
                     "report_date", "confirmed_date", "hospital", "hospital_name", "outcome", "outcome_date", "notes"]
TEXT_FIELDS = {"label": 40, "hospital_name": 100, "notes": 2000}
DATE_FIELDS = ("onset_date", "report_date", "confirmed_date", "outcome_date")


def _dates_check(values: Mapping[str, Any], errors: dict) -> None:
    for name in DATE_FIELDS:
        value = values.get(name)
        if value is not None and not isinstance(value, dt.date):
            errors.setdefault(name, []).append(_("Not a date."))
        else:
            not_in_future(value, name, errors)
    onset, report, confirmed = values.get("onset_date"), values.get("report_date"), values.get("confirmed_date")
    if onset and report and report < onset:
        errors.setdefault("report_date", []).append(_("The report date lies before the onset."))
    if report and confirmed and confirmed < report:
        errors.setdefault("confirmed_date", []).append(_("The confirmation lies before the report."))
    outcome_date = values.get("outcome_date")
    if outcome_date and onset and outcome_date < onset:
        errors.setdefault("outcome_date", []).append(_("The outcome lies before the onset."))
    if outcome_date and not values.get("outcome"):
        errors.setdefault("outcome", []).append(_("Give the outcome of that date."))


def _hospital_check(hospital: Site | None, errors: dict) -> None:
    if hospital is not None and hospital.kind != Site.Kind.HOSPITAL:
        errors.setdefault("hospital", []).append(_("%(site)s is not a hospital.") % {"site": hospital.name})


def _classification_check(classification: str, errors: dict, field: str = "classification") -> None:
    if classification not in Case.Classification.values:
        errors.setdefault(field, []).append(_("Choose suspected, confirmed, asymptomatic or excluded."))


def _registry_for(case: Case, *, old: str | None, new: str, at: dt.datetime, by) -> None:
    """Move the person's registry category from the old classification's to the new one's."""
    old_code, new_code = CLASSIFICATION_CATEGORY.get(old), CLASSIFICATION_CATEGORY.get(new)
    if old_code == new_code:
        return
    if old_code:
        registry_close(case.person, old_code, at=at, by=by)
    if new_code:
        registry_open(case.person, new_code, at=at, note=gettext_noop("contact tracing"), by=by)


def case_register(*, person: Person, classification: str, at: dt.datetime | None = None,
                  method: str = Case.Method.MANUAL, rule: str = "", reason: str = "", label: str = "",
                  onset_date: dt.date | None = None, report_date: dt.date | None = None,
                  confirmed_date: dt.date | None = None, hospital: Site | None = None, hospital_name: str = "",
                  notes: str = "", by) -> Case:
    """Make a person a case with its first classification: the registry category opens and the
    person's follow-up as a contact ends (its history stays)."""
    at = at or timezone.now()
    errors: dict[str, list[str]] = {}
    _classification_check(classification, errors)
    values = {"onset_date": onset_date, "report_date": report_date, "confirmed_date": confirmed_date}
    _dates_check(values, errors)
    not_in_future(at, "at", errors)
    _hospital_check(hospital, errors)
    for name, limit in TEXT_FIELDS.items():
        if len({"label": label, "hospital_name": hospital_name, "notes": notes}[name] or "") > limit:
            errors.setdefault(name, []).append(_("At most %(n)d characters.") % {"n": limit})
    if errors:
        raise DomainError("invalid_case", _("The case cannot be registered; correct the fields marked."),
                          fields=errors)
    if classification == Case.Classification.CONFIRMED and confirmed_date is None:
        confirmed_date = day_of(at)
    try:
        with transaction.atomic():
            person = Person.objects.select_for_update().get(pk=person.pk)
            existing = Case.objects.filter(person=person).first()
            if existing is not None:
                raise _already_a_case(person, existing)
            case = Case.objects.create(
                person=person, unit_path=person.unit_path, label=label.strip(), classification=classification,
                classification_method=method, classified_at=at, onset_date=onset_date, report_date=report_date,
                confirmed_date=confirmed_date, hospital=hospital, hospital_name=hospital_name.strip(),
                notes=notes.strip(), created_by=by)
            CaseClassification.objects.create(case=case, classification=classification, method=method, rule=rule,
                                              reason=reason, at=at, by=by, unit_path=case.unit_path)
            _registry_for(case, old=None, new=classification, at=at, by=by)
            if case.active:
                follow_up_end_for_case(person=person, at=at, by=by)
            audit_record(actor=by, action="create", obj=case, unit_path=case.unit_path,
                         after=snapshot(case, CASE_AUDIT_FIELDS), note=reason)
    except IntegrityError:  # registered by someone else a moment ago
        raise _already_a_case(person, Case.objects.filter(person=person).first()) from None
    return case


def case_of_person_register(*, person: Person, classification: str, at: dt.datetime | None = None,
                             reason: str = "", by) -> Case:
    """The person's case: the one they are already, else one registered with `classification` (case_register);
    how another app hands a person over to contact tracing."""
    existing = Case.objects.filter(person=person).first()
    if existing is not None:
        return existing
    return case_register(person=person, classification=classification, at=at, reason=reason, by=by)


def _already_a_case(person: Person, existing: Case | None) -> DomainError:
    return DomainError("already_a_case", _("%(name)s is already a case (#%(id)s); reclassify that case instead.")
                       % {"name": person.name, "id": existing.pk if existing else "?"},
                       fields={"person": [_("Already a case.")]}, status=409)


def case_classify(*, case: Case, classification: str, at: dt.datetime | None = None,
                  method: str = Case.Method.MANUAL, rule: str = "", reason: str = "", by) -> Case:
    """Give a case a new classification, kept in its history. A rule never overrides a classification
    made by hand (the case is returned unchanged); a manual classification always applies."""
    at = at or timezone.now()
    errors: dict[str, list[str]] = {}
    _classification_check(classification, errors)
    not_in_future(at, "at", errors)
    if method not in Case.Method.values:
        errors["method"] = [_("Unknown.")]
    if errors:
        raise DomainError("invalid_classification", _("The case cannot be classified."), fields=errors)
    with transaction.atomic():
        current = Case.objects.select_for_update().select_related("person").get(pk=case.pk)
        if method == Case.Method.RULE and current.classification_method == Case.Method.MANUAL:
            return current
        if current.classification == classification and current.classification_method == method:
            return current
        if at < current.classified_at:
            raise DomainError("invalid_date", _("The case was last classified at %(d)s; a new classification "
                                                "cannot lie before it.")
                              % {"d": timezone.localtime(current.classified_at).strftime("%Y-%m-%d %H:%M")},
                              fields={"at": [_("Before the last classification.")]})
        before = snapshot(current, CASE_AUDIT_FIELDS)
        old = current.classification
        current.classification, current.classification_method, current.classified_at = classification, method, at
        if classification == Case.Classification.CONFIRMED and current.confirmed_date is None:
            current.confirmed_date = day_of(at)
        current.version += 1
        current.save()
        CaseClassification.objects.create(case=current, classification=classification, method=method, rule=rule,
                                          reason=reason, at=at, by=by, unit_path=current.unit_path)
        _registry_for(current, old=old, new=classification, at=at, by=by)
        if current.active:
            follow_up_end_for_case(person=current.person, at=at, by=by)
        audit_record(actor=by, action="update", obj=current, unit_path=current.unit_path, before=before,
                     after=snapshot(current, CASE_AUDIT_FIELDS), note=reason or rule)
    return current


def case_update(*, case: Case, data: Mapping[str, Any], version: int | None = None, by) -> Case:
    """Change a case's number, dates, hospital, outcome and notes (the keys present in `data`). An outcome
    (recovered, died, transferred) ends the registry category at its date."""
    allowed = set(TEXT_FIELDS) | set(DATE_FIELDS) | {"hospital", "outcome"}
    unknown = set(data) - allowed
    errors: dict[str, list[str]] = {k: [_("Cannot be changed here.")] for k in unknown}
    values = {k: getattr(case, k) for k in allowed}
    values.update({k: v for k, v in data.items() if k in allowed})
    for name in TEXT_FIELDS:
        values[name] = str(values[name] or "").strip()
        if len(values[name]) > TEXT_FIELDS[name]:
            errors.setdefault(name, []).append(_("At most %(n)d characters.") % {"n": TEXT_FIELDS[name]})
    values["outcome"] = values["outcome"] or ""
    if values["outcome"] not in Case.Outcome.values:
        errors.setdefault("outcome", []).append(_("Unknown outcome."))
    _dates_check(values, errors)
    _hospital_check(values["hospital"], errors)
    if errors:
        raise DomainError("invalid_case", _("The case cannot be changed; correct the fields marked."), fields=errors)
    with transaction.atomic():
        current = Case.objects.select_for_update().select_related("person").get(pk=case.pk)
        if version is not None and current.version != version:
            raise DomainError("conflict", _("Someone else changed this case after you opened it; reload to see "
                                            "their change, then edit again."), status=409)
        before = snapshot(current, CASE_AUDIT_FIELDS)
        had_outcome = bool(current.outcome)
        for key, value in values.items():
            setattr(current, key, value)
        current.version += 1
        current.save()
        code = CLASSIFICATION_CATEGORY.get(current.classification)
        if code and current.outcome and not had_outcome:
            end = day_start(current.outcome_date) if current.outcome_date else timezone.now()
            registry_close(current.person, code, at=min(end, timezone.now()), by=by)
        elif code and had_outcome and not current.outcome:
            registry_open(current.person, code, at=timezone.now(), note=gettext_noop("contact tracing"), by=by)
        after = snapshot(current, CASE_AUDIT_FIELDS)
        if after != before:
            audit_record(actor=by, action="update", obj=current, unit_path=current.unit_path, before=before,
                         after=after)
    return current


# -- automatic classification --------------------------------------------------------------------------

RULE_CONTACT_SYMPTOMS = "contact_symptoms"


def case_rules_apply(*, person_ids: list[int] | None = None, now: dt.datetime | None = None,
                     by=None) -> dict[str, int]:
    """Apply the automatic classification rules (one query finds the people each rule concerns):

    contact_symptoms — a contact under follow-up with a check showing symptoms or fever since the
    follow-up began becomes a suspected case (or an excluded case suspected again). A classification
    made by hand is never overridden: such people are counted in "kept_manual".
    Returns {"classified": n, "kept_manual": m}."""
    now = now or timezone.now()
    symptomatic = HealthCheck.objects.filter(person=OuterRef("person_id"), check_date__gte=OuterRef("start"),
                                             checked_at__lte=now).filter(
        Q(result=HealthCheck.Result.SYMPTOMS) | Q(flagged=True))
    active_case = Case.objects.filter(person=OuterRef("person_id")).exclude(
        classification=Case.Classification.EXCLUDED)
    candidates = (FollowUp.objects.filter(state=FollowUp.State.ACTIVE).filter(Exists(symptomatic))
                  .exclude(Exists(active_case)).select_related("person"))
    if person_ids is not None:
        candidates = candidates.filter(person_id__in=person_ids)
    counts = {"classified": 0, "kept_manual": 0}
    reason = gettext_noop("symptoms or fever during follow-up")
    for fu in candidates:
        existing = Case.objects.filter(person_id=fu.person_id).first()
        if existing is None:
            case_register(person=fu.person, classification=Case.Classification.SUSPECTED, at=now,
                          method=Case.Method.RULE, rule=RULE_CONTACT_SYMPTOMS, reason=reason, by=by)
            counts["classified"] += 1
        elif existing.classification_method == Case.Method.MANUAL:
            counts["kept_manual"] += 1
        else:
            case_classify(case=existing, classification=Case.Classification.SUSPECTED, at=now,
                          method=Case.Method.RULE, rule=RULE_CONTACT_SYMPTOMS, reason=reason, by=by)
            counts["classified"] += 1
    return counts
