"""Writes to the line list: register, edit (with conflict detection), move, categories, statuses,
health checks, additional fields, merge. Every write is audited; scope is checked against `by`
(`by=None`: the system — commands and the demo generator)."""

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from accounts.access import Scope, scope_for
from accounts.roles import PERSONS_EDIT, PERSONS_VIEW
from core.audit import audit_record, snapshot
from core.clock import aware, today
from core.errors import DomainError
from core.timebounds import out_of_range
from orgunits.models import OrgUnit, Site
from persons.health_checks import health_check_hooks_run, result_settle
from persons.identity import normalize_doc_number
from persons.models import (
    Category,
    CategoryEpisode,
    CustomField,
    DuplicateDismissal,
    HealthCheck,
    ManagementStatus,
    Person,
    PersonMerge,
    StatusEpisode,
)
from persons.selectors import custom_fields_active, person_managed_since
from persons.validation import person_clean

PERSON_AUDIT_FIELDS = ["name", "sex", "birth_date", "doc_type", "doc_number", "phone", "address", "grid",
                       "household_head", "household_relation", "notes", "custom"]
PHYSICAL_RANGE = (Decimal("34.0"), Decimal("43.0"))
SYMPTOMS = {"fever": gettext_lazy("fever"), "cough": gettext_lazy("cough"), "fatigue": gettext_lazy("fatigue"),
            "sore_throat": gettext_lazy("sore throat"), "diarrhea": gettext_lazy("diarrhoea"),
            "breathlessness": gettext_lazy("shortness of breath"),
            "loss_of_smell": gettext_lazy("loss of smell"), "other": gettext_lazy("other symptoms")}


def grid_resolve(code: str, *, by) -> OrgUnit:
    """The unit (a grid, or a community without grids) that a person is registered under, looked up among the
    units `by` may register people in: a code outside them is answered as an unknown one."""
    unit = OrgUnit.objects.filter(code=code).first()
    if (unit is None or unit.kind not in (OrgUnit.Kind.GRID, OrgUnit.Kind.COMMUNITY)
            or (by is not None and not scope_for(by, PERSONS_EDIT).covers(unit.path))):
        raise DomainError("unknown_grid", _("None of the grids or communities you may register people in has the "
                                            "code %(code)s.") % {"code": code},
                          fields={"grid": [_("Unknown grid code %(code)s.") % {"code": code}]})
    return unit


def _refuse_anonymised(person: Person) -> None:
    """An anonymised record is closed: a person who returns is registered again (persons.retention)."""
    if person.anonymised_at is not None:
        raise DomainError("anonymised", _("This person's data was anonymised on %(day)s after the retention "
                                          "period; if they return, register them again.")
                          % {"day": timezone.localtime(person.anonymised_at).strftime("%Y-%m-%d")}, status=409)


def registered_elsewhere_error() -> DomainError:
    """The refusal of a document registered outside the caller's units: the same whoever holds it, naming no
    one (one Person per real person, so it cannot be registered again here)."""
    return DomainError("registered_elsewhere", _("This document is registered outside the units you work in, so "
                                                 "it cannot be registered here; ask the office above you (the "
                                                 "street office) to deal with it."),
                       fields={"doc_number": [_("Registered outside your units.")]}, status=409)


def _duplicate_error(doc_type: str, doc_number: str, existing: Person, *, by) -> DomainError:
    """The document is registered already: the person's id to those who may see them, to anyone else
    registered_elsewhere_error()."""
    if by is not None and not scope_for(by, PERSONS_VIEW).covers(existing.unit_path):
        return registered_elsewhere_error()
    return DomainError("duplicate_person", _("This document is already registered (person #%(id)s).")
                       % {"id": existing.pk},
                       fields={"doc_number": [_("Already registered: %(type)s %(number)s.")
                                              % {"type": Person.DocType(doc_type).label, "number": doc_number}]},
                       status=409)


def _household_head(data: Mapping[str, Any], errors: dict, *, by) -> tuple[bool, Person | None]:
    """The household head named by document number in data["household_head"], looked up in scope."""
    if "household_head" not in data:
        return False, None
    number = normalize_doc_number(str(data.get("household_head") or ""))
    if not number:
        return True, None
    scope = scope_for(by, PERSONS_EDIT) if by is not None else Scope(None)
    head = Person.objects.filter(scope.q(), doc_number=number).order_by("id").first()
    if head is None:
        errors.setdefault("household_head", []).append(
            _("Nobody with the document number %(n)s is registered in your units.") % {"n": number})
    return True, head


def person_register(*, data: Mapping[str, Any], by) -> Person:
    """Register a person from raw input (a form, the API); every error named by field.

    `data["household_head"]`, if given, is the document number of the head of the household."""
    clean, errors = person_clean(data, custom_fields=custom_fields_active(), today=today())
    _given, head = _household_head(data, errors, by=by)
    if errors:
        raise DomainError("invalid_person", _("The person cannot be registered; correct the fields marked."),
                          fields=errors)
    grid = grid_resolve(clean.pop("grid"), by=by)
    existing = Person.objects.filter(doc_type=clean["doc_type"], doc_number=clean["doc_number"]).first()
    if existing is not None:
        raise _duplicate_error(clean["doc_type"], clean["doc_number"], existing, by=by)
    try:
        with transaction.atomic():
            person = Person.objects.create(grid=grid, unit_path=grid.path, created_by=by, household_head=head,
                                           **clean)
            audit_record(actor=by, action="create", obj=person, unit_path=person.unit_path,
                         after=snapshot(person, PERSON_AUDIT_FIELDS))
    except IntegrityError:  # registered by someone else a moment ago
        existing = Person.objects.get(doc_type=clean["doc_type"], doc_number=clean["doc_number"])
        raise _duplicate_error(clean["doc_type"], clean["doc_number"], existing, by=by) from None
    return person


def person_update(*, person: Person, data: Mapping[str, Any], version: int | None, by) -> Person:
    """Change the fields present in `data`. `version` is the one the editor saw: if someone saved in
    between, the save is refused with a conflict instead of silently overwriting their change."""
    clean, errors = person_clean(data, custom_fields=custom_fields_active(), today=today(), partial=True)
    head_given, head = _household_head(data, errors, by=by)
    if head is not None and head.pk == person.pk:
        head = None  # a head of household is their own head: stored as no head
    if errors:
        raise DomainError("invalid_person", _("The changes cannot be saved; correct the fields marked."),
                          fields=errors)
    with transaction.atomic():
        current = Person.objects.select_for_update().get(pk=person.pk)
        _refuse_anonymised(current)
        if version is not None and current.version != version:
            raise DomainError("conflict", _("Someone else changed this person after you opened it; reload to see "
                                            "their change, then edit again."), status=409)
        before = snapshot(current, PERSON_AUDIT_FIELDS)
        new_grid = None
        if "grid" in clean:
            code = clean.pop("grid")
            if code != current.grid.code:
                new_grid = grid_resolve(code, by=by)
        if "doc_number" in clean and (clean["doc_type"], clean["doc_number"]) != (current.doc_type,
                                                                                   current.doc_number):
            other = Person.objects.filter(doc_type=clean["doc_type"], doc_number=clean["doc_number"]).first()
            if other is not None:
                raise _duplicate_error(clean["doc_type"], clean["doc_number"], other, by=by)
        custom = clean.pop("custom", {})
        for key, value in clean.items():
            setattr(current, key, value)
        if custom:
            current.custom = {**current.custom, **custom}
        if head_given:
            current.household_head = head
        if new_grid is not None:
            _person_move(current, new_grid, by=by)
        current.version += 1
        current.save()
        after = snapshot(current, PERSON_AUDIT_FIELDS)
        if after != before:
            audit_record(actor=by, action="update", obj=current, unit_path=current.unit_path, before=before,
                         after=after)
    return current


def _person_move(person: Person, grid: OrgUnit, *, by) -> None:
    """Move a person to another grid: open episodes are split at now, the new part under the new unit."""
    now = timezone.now()
    for model in (CategoryEpisode, StatusEpisode):
        for episode in model.objects.select_for_update().filter(person=person, end__isnull=True):
            if episode.start >= now:
                episode.unit_path = grid.path
                episode.save(update_fields=["unit_path"])
                continue
            episode.end = now
            episode.save(update_fields=["end"])
            episode.pk = None
            episode.start, episode.end, episode.unit_path, episode.continued = now, None, grid.path, True
            episode.created_by = by
            episode.save()
    old_path = person.unit_path
    person.grid, person.unit_path = grid, grid.path
    for hook in _MOVE_HOOKS:
        hook(person=person, old_path=old_path, by=by)


# Apps whose rows about a person carry the person's unit path register here (from AppConfig.ready) how those
# rows follow a move to another grid, so that the new community sees them and the old one no longer does.
_MOVE_HOOKS: list[Callable[..., None]] = []


def person_move_hook_register(hook: Callable[..., None]) -> None:
    """Have `hook(person=, old_path=, by=)` run in every move of a person to another grid, inside the edit's
    transaction, `person.grid` and `person.unit_path` already the new ones."""
    if hook not in _MOVE_HOOKS:
        _MOVE_HOOKS.append(hook)


def category_assign(*, person: Person, category: Category, start: dt.datetime | dt.date | None = None,
                    note: str = "", origin_code: str = "", origin: str = "", by) -> CategoryEpisode:
    """Give a person a category from `start` (arrival date, exposure date…), and where they came from."""
    start = aware(start) or timezone.now()
    if start > timezone.now() + dt.timedelta(hours=1):
        raise DomainError("invalid_date", _("The start lies in the future."), fields={"start": [_("In the future.")]})
    with transaction.atomic():
        _refuse_anonymised(Person.objects.select_for_update().get(pk=person.pk))
        if CategoryEpisode.objects.filter(person=person, category=category, end__isnull=True).exists():
            raise DomainError("already_held", _("%(person)s already holds the category %(cat)s.")
                              % {"person": person.name, "cat": category.name}, fields={"category": [
                                  _("Already held.")]})
        episode = CategoryEpisode.objects.create(person=person, category=category, start=start,
                                                 unit_path=person.unit_path, note=note, origin_code=origin_code,
                                                 origin=origin, created_by=by)
        audit_record(actor=by, action="create", obj=episode, object_repr=f"{person.name} · {category.name_zh}",
                     unit_path=person.unit_path, after=snapshot(episode))
    return episode


def category_end(*, person: Person, category: Category, end: dt.datetime | dt.date | None = None,
                 by) -> CategoryEpisode:
    """End a person's holding of a category at `end`."""
    end = aware(end) or timezone.now()
    with transaction.atomic():
        episode = CategoryEpisode.objects.select_for_update().filter(person=person, category=category,
                                                                     end__isnull=True).first()
        if episode is None:
            raise DomainError("not_held", _("%(person)s does not hold the category %(cat)s.")
                              % {"person": person.name, "cat": category.name})
        if end < episode.start:
            raise DomainError("invalid_date", _("The end lies before the start (%(d)s).")
                              % {"d": timezone.localtime(episode.start).strftime("%Y-%m-%d %H:%M")},
                              fields={"end": [_("Before the start.")]})
        before = snapshot(episode)
        episode.end = end
        episode.save(update_fields=["end"])
        audit_record(actor=by, action="update", obj=episode, object_repr=f"{person.name} · {category.name_zh}",
                     unit_path=episode.unit_path, before=before, after=snapshot(episode))
    return episode


def planned_end_for(person: Person, start: dt.datetime) -> dt.datetime:
    """Start plus the longest management period among the categories the person holds (14 days if none)."""
    periods = list(Category.objects.filter(episodes__person=person, episodes__end__isnull=True)
                   .values_list("period_days", flat=True))
    return start + dt.timedelta(days=max(periods, default=14))


def status_set(*, person: Person, status: ManagementStatus, start: dt.datetime | dt.date | None = None,
               site: Site | None = None, planned_end: dt.datetime | dt.date | None = None, note: str = "",
               by) -> StatusEpisode:
    """Put a person under `status` from `start`, closing the status they were under."""
    start = aware(start) or timezone.now()
    errors = {}
    if status.needs_site and site is None:
        errors["site"] = [_("%(status)s needs the quarantine site.") % {"status": status.name}]
    if site is not None and site.kind not in (Site.Kind.QUARANTINE_HOTEL, Site.Kind.HOSPITAL):
        errors["site"] = [_("%(site)s is not a quarantine site or hospital.") % {"site": site.name}]
    if start > timezone.now() + dt.timedelta(hours=1):
        errors["start"] = [_("In the future.")]
    if errors:
        raise DomainError("invalid_status", _("The status cannot be set."), fields=errors)
    with transaction.atomic():
        _refuse_anonymised(Person.objects.select_for_update().get(pk=person.pk))
        current = StatusEpisode.objects.filter(person=person, end__isnull=True).first()
        if current is not None:
            if start < current.start:
                raise DomainError("invalid_date", _("The new status cannot start before the current one (%(d)s).")
                                  % {"d": timezone.localtime(current.start).strftime("%Y-%m-%d %H:%M")},
                                  fields={"start": [_("Before the current status began.")]})
            current.end = start
            current.save(update_fields=["end"])
        if status.is_release:
            planned = None
        else:
            planned = aware(planned_end) or planned_end_for(person, start)
        episode = StatusEpisode.objects.create(person=person, status=status, site=site, start=start,
                                               planned_end=planned, unit_path=person.unit_path, note=note,
                                               created_by=by)
        audit_record(actor=by, action="create", obj=episode, object_repr=f"{person.name} · {status.name_zh}",
                     unit_path=person.unit_path, after=snapshot(episode),
                     before=snapshot(current) if current else None)
    return episode


CHECK_BACKDATE = dt.timedelta(days=30)  # a screening may be typed in after the person is registered


def _check_time_errors(person: Person, checked_at: dt.datetime) -> dict[str, list[str]]:
    """A check is dated within core.timebounds, not in the future, and not long before the person came under
    management (persons.selectors.person_managed_since, less CHECK_BACKDATE)."""
    reason = out_of_range(checked_at)
    if reason is None and checked_at > timezone.now() + dt.timedelta(minutes=10):
        reason = _("In the future.")
    # Management began at registration or earlier (person_managed_since), so a check no earlier than registration
    # less CHECK_BACKDATE (nearly every check, taken today) passes without reading the person's episodes.
    early = person.created_at is None or checked_at < person.created_at - CHECK_BACKDATE
    since = person_managed_since(person) if reason is None and person.pk and early else None
    if since is not None and checked_at < since - CHECK_BACKDATE:
        reason = _("More than %(n)d days before this person came under management (%(day)s).") % {
            "n": CHECK_BACKDATE.days, "day": timezone.localtime(since).strftime("%Y-%m-%d")}
    return {"checked_at": [reason]} if reason else {}


def health_check_record(*, person: Person, checked_at: dt.datetime | None = None, temperature: Any = None,
                        symptoms: list[str] | None = None, result: str | None = None, note: str = "",
                        by) -> HealthCheck:
    """Record a health check. A temperature at or above the threshold (37.3 °C) is a fever, never "seen, well"
    (persons.health_checks.result_settle); other apps' hooks then run (a fever: the grid's recheck task and the
    community's and street's notice). What was changed or set in motion is in `check.notices`."""
    checked_at = aware(checked_at) or timezone.now()
    errors: dict[str, list[str]] = {}
    value = None
    if temperature not in (None, ""):
        try:
            value = Decimal(str(temperature)).quantize(Decimal("0.1"))
        except InvalidOperation:
            errors["temperature"] = [_("%(v)s is not a temperature.") % {"v": temperature}]
        else:
            if not PHYSICAL_RANGE[0] <= value <= PHYSICAL_RANGE[1]:
                errors["temperature"] = [_("%(v)s °C is outside the physical range 34–43 °C: re-measure.")
                                         % {"v": value}]
    if result not in (None, "", *HealthCheck.Result.values):
        errors["result"] = [_("Unknown result.")]
    elif result in (None, "", HealthCheck.Result.WELL, HealthCheck.Result.SYMPTOMS) and value is None:
        errors["temperature"] = [_("Enter the temperature of a person seen.")]
    unknown = [s for s in (symptoms or []) if s not in SYMPTOMS]
    if unknown:
        errors["symptoms"] = [_("Unknown symptom(s): %(s)s.") % {"s": ", ".join(unknown)}]
    errors.update(_check_time_errors(person, checked_at))
    if errors:
        raise DomainError("invalid_check", _("The health check cannot be saved."), fields=errors)
    settled = result_settle(temperature=value, symptoms=list(symptoms or []), result=result)
    _refuse_anonymised(person)
    with transaction.atomic():
        check = HealthCheck.objects.create(
            person=person, checked_at=checked_at, check_date=timezone.localtime(checked_at).date(),
            temperature=value, symptoms=settled.symptoms, result=settled.result, flagged=settled.flagged,
            note=note, unit_path=person.unit_path, recorded_by=by)
        audit_record(actor=by, action="create", obj=check, object_repr=f"{person.name} · {check.check_date}",
                     unit_path=person.unit_path, after=snapshot(check))
        check.notices = settled.notices + health_check_hooks_run(check, by=by)
    return check


def custom_field_save(*, data: Mapping[str, Any], field: CustomField | None = None, by) -> CustomField:
    """Add or change an additional field. Its key and type never change once values may exist."""
    key = (data.get("key") or (field.key if field else "")).strip()
    errors: dict[str, list[str]] = {}
    if field is None:
        if not key or not key.replace("_", "").isalnum() or not key.isascii() or not key[0].isalpha():
            errors["key"] = [_("A key is lower-case letters, digits and _, starting with a letter.")]
        elif CustomField.objects.filter(key=key).exists():
            errors["key"] = [_("The key %(k)s is in use.") % {"k": key}]
        if data.get("type") not in CustomField.Type.values:
            errors["type"] = [_("Choose a type.")]
    label = (data.get("label") or "").strip()
    if not label:
        errors["label"] = [_("The label is required.")]
    choices = data.get("choices") or []
    if isinstance(choices, str):
        choices = [c.strip() for c in choices.replace("，", ",").replace("、", ",").split(",") if c.strip()]
    field_type = field.type if field else data.get("type")
    if field_type == CustomField.Type.CHOICE and not choices:
        errors["choices"] = [_("A choice field needs its choices.")]
    if errors:
        raise DomainError("invalid_field", _("The field cannot be saved."), fields=errors)
    with transaction.atomic():
        before = snapshot(field) if field else None
        if field is None:
            field = CustomField(key=key.lower(), type=field_type)
        field.label = label
        field.label_en = (data.get("label_en") or "").strip()
        field.help_text = (data.get("help_text") or "").strip()
        field.choices = choices if field_type == CustomField.Type.CHOICE else []
        field.required_from = data.get("required_from") or None
        field.active = data.get("active", True)
        field.save()
        audit_record(actor=by, action="update" if before else "create", obj=field, before=before,
                     after=snapshot(field))
    return field


def duplicate_dismiss(*, a: Person, b: Person, by) -> None:
    """Remember that two people listed as probable duplicates are different people."""
    if a.pk == b.pk:
        raise DomainError("invalid_dismissal", _("A person cannot be marked as different from themself."))
    low, high = sorted([a, b], key=lambda p: p.pk)
    with transaction.atomic():
        _obj, created = DuplicateDismissal.objects.get_or_create(person_low=low, person_high=high,
                                                                 defaults={"by": by})
        if created:
            audit_record(actor=by, action="create", object_type="persons.duplicatedismissal",
                         object_id=f"{low.pk}-{high.pk}", object_repr=f"{low.name} ≠ {high.name}",
                         unit_path=low.unit_path)


# Apps holding rows about people register here (from their AppConfig.ready) what must happen to those rows
# before a merge moves them: persons knows none of the apps that depend on it.
_MERGE_HOOKS: list[Callable[..., None]] = []


def person_merge_hook_register(hook: Callable[..., None]) -> None:
    """Have `hook(keep=, drop=, by=)` run in every merge, inside its transaction, once both people are
    locked and before the records pointing at `drop` move to `keep`: it joins the rows of its app that
    allow one per person (or per pair), which moving would otherwise duplicate."""
    if hook not in _MERGE_HOOKS:
        _MERGE_HOOKS.append(hook)


def person_merge(*, keep: Person, drop: Person, by) -> Person:
    """Merge `drop` into `keep`: every record that points at `drop` moves to `keep` (found from the
    model graph, so records of apps added later move too), open episodes are joined, empty fields of
    `keep` are filled from `drop`, and `drop` is deleted with its last state kept in PersonMerge. The
    apps' merge hooks first join their rows that would clash (person_merge_hook_register)."""
    if keep.pk == drop.pk:
        raise DomainError("invalid_merge", _("A person cannot be merged with itself."))
    with transaction.atomic():
        keep, drop = (Person.objects.select_for_update().get(pk=keep.pk),
                      Person.objects.select_for_update().get(pk=drop.pk))
        _refuse_anonymised(keep)
        _refuse_anonymised(drop)
        before_keep, before_drop = snapshot(keep, PERSON_AUDIT_FIELDS), snapshot(drop)
        for hook in _MERGE_HOOKS:
            hook(keep=keep, drop=drop, by=by)
        _merge_open_episodes(keep, drop)
        DuplicateDismissal.objects.filter(Q(person_low=drop) | Q(person_high=drop)).delete()
        # Every foreign key to a person, those without a reverse name ("+") too.
        for relation in Person._meta.get_fields(include_hidden=True):
            if not (relation.auto_created and relation.is_relation and not relation.concrete):
                continue
            if relation.related_model in (DuplicateDismissal, PersonMerge) or not relation.field.concrete:
                continue
            relation.related_model._base_manager.filter(**{relation.field.name: drop}).update(
                **{relation.field.name: keep})
        for field in ("phone", "address", "birth_date", "household_relation"):
            if not getattr(keep, field) and getattr(drop, field):
                setattr(keep, field, getattr(drop, field))
        keep.custom = {**{k: v for k, v in drop.custom.items() if v is not None},
                       **{k: v for k, v in keep.custom.items() if v is not None}}
        if drop.notes:
            keep.notes = (keep.notes + "\n" if keep.notes else "") + drop.notes
        keep.version += 1
        keep.save()
        PersonMerge.objects.create(kept=keep, dropped_id=drop.pk, dropped=before_drop, by=by)
        audit_record(actor=by, action="update", obj=keep, unit_path=keep.unit_path, before=before_keep,
                     after={**snapshot(keep, PERSON_AUDIT_FIELDS), "merged_from": drop.pk},
                     note=gettext_noop("a duplicate record was merged into this person"))
        audit_record(actor=by, action="delete", obj=drop, unit_path=drop.unit_path, before=before_drop,
                     after={"merged_into": keep.pk}, note=gettext_noop("merged into another record of the same person"))
        drop.delete()
    return keep


def _merge_open_episodes(keep: Person, drop: Person) -> None:
    """Where both hold the same open category, or both have an open status, end the earlier one where
    the later begins, so that one open episode remains and no period is lost."""
    for model, key in ((CategoryEpisode, "category_id"), (StatusEpisode, None)):
        kept_open = {getattr(e, key) if key else None: e for e in model.objects.filter(person=keep, end__isnull=True)}
        for episode in model.objects.filter(person=drop, end__isnull=True):
            other = kept_open.get(getattr(episode, key) if key else None)
            if other is None:
                continue
            earlier, later = sorted([episode, other], key=lambda e: (e.start, e.pk))
            earlier.end = later.start
            earlier.save(update_fields=["end"])
