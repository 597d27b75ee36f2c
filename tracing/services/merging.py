"""Tracing's part in merging two records of the same person (persons.services.person_merge).

The line list moves every row pointing at the dropped record to the kept one. Tracing holds rows that allow
one per person or per pair — a case per person, an exposure per pair, one active follow-up — so before they
move, this hook joins the ones both records have."""

import datetime as dt

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from core.audit import audit_record, snapshot
from persons.models import Person
from tracing.models import Case, CaseClassification, ContactImport, Exposure, FollowUp, FollowUpEvent
from tracing.services.cases import CASE_AUDIT_FIELDS
from tracing.services.common import CLASSIFICATION_CATEGORY, CLOSE_CONTACT, SECONDARY_CONTACT, registry_close
from tracing.services.exposures import EXPOSURE_AUDIT_FIELDS
from tracing.services.followups import FOLLOW_UP_AUDIT_FIELDS, follow_up_end
from tracing.services.tasks import tasks_close_for_follow_up

MERGED = gettext_noop("merged with another record of the same person")


def person_merge_tracing(*, keep: Person, drop: Person, by) -> None:
    """Prepare tracing's rows for merging `drop` into `keep` (inside person_merge's transaction, both
    people locked, before the rows pointing at `drop` move):

    1. Exposures between the two records are deleted (nobody exposes themselves); two exposures of the
       same pair once both records are one are joined into keep's: dates widened, the closer degree.
    2. Both cases: drop's classification history and imports go to keep's case, which takes the later
       classification and drop's details where its own are empty; drop's case is deleted. The registry
       category of the classification that no longer holds ends.
    3. Both under follow-up: keep's runs to the later end (as a close contact if either was one), drop's
       stops with its history. A person who is a case after the merge is not followed up as a contact.
    4. What says who follows the person up now — the case, the active follow-up, the exposures that put
       them under it — takes keep's unit; history (places visited, tasks, ended follow-ups) stays where
       it was written."""
    now = timezone.now()
    _exposures_join(keep, drop, by)
    _cases_join(keep, drop, now, by)
    _follow_ups_join(keep, drop, now, by)
    path = keep.unit_path
    case_ids = list(Case.objects.filter(person=drop).values_list("pk", flat=True))
    Case.objects.filter(pk__in=case_ids).update(unit_path=path)
    CaseClassification.objects.filter(case_id__in=case_ids).update(unit_path=path)
    ContactImport.objects.filter(case_id__in=case_ids).update(unit_path=path)
    FollowUp.objects.filter(person=drop, state=FollowUp.State.ACTIVE).update(unit_path=path)
    Exposure.objects.filter(exposed=drop).update(unit_path=path)


def _exposure_into(kept: Exposure, gone: Exposure, by) -> None:
    before = snapshot(kept, EXPOSURE_AUDIT_FIELDS)
    kept.first_contact = min(kept.first_contact, gone.first_contact)
    kept.last_contact = max(kept.last_contact, gone.last_contact)
    kept.degree = min(kept.degree, gone.degree)
    if gone.note and gone.note not in kept.note:
        kept.note = f"{kept.note}; {gone.note}"[:200] if kept.note else gone.note
    kept.save()
    audit_record(actor=by, action="update", obj=kept, unit_path=kept.unit_path, before=before,
                 after=snapshot(kept, EXPOSURE_AUDIT_FIELDS), note=MERGED)
    _exposure_delete(gone, by)


def _exposure_delete(exposure: Exposure, by) -> None:
    audit_record(actor=by, action="delete", obj=exposure, unit_path=exposure.unit_path,
                 before=snapshot(exposure, EXPOSURE_AUDIT_FIELDS), note=MERGED)
    exposure.delete()


def _exposures_join(keep: Person, drop: Person, by) -> None:
    for exposure in Exposure.objects.filter(Q(source=keep, exposed=drop) | Q(source=drop, exposed=keep)):
        _exposure_delete(exposure, by)
    kept_by_source = {e.source_id: e for e in Exposure.objects.filter(exposed=keep)}
    for gone in Exposure.objects.filter(exposed=drop, source_id__in=list(kept_by_source)):
        _exposure_into(kept_by_source[gone.source_id], gone, by)
    kept_by_exposed = {e.exposed_id: e for e in Exposure.objects.filter(source=keep)}
    for gone in Exposure.objects.filter(source=drop, exposed_id__in=list(kept_by_exposed)):
        _exposure_into(kept_by_exposed[gone.exposed_id], gone, by)


def _cases_join(keep: Person, drop: Person, now: dt.datetime, by) -> None:
    kept = Case.objects.select_for_update().filter(person=keep).first()
    gone = Case.objects.select_for_update().filter(person=drop).first()
    if kept is None or gone is None:
        return
    before = snapshot(kept, CASE_AUDIT_FIELDS)
    CaseClassification.objects.filter(case=gone).update(case=kept, unit_path=kept.unit_path)
    ContactImport.objects.filter(case=gone).update(case=kept, unit_path=kept.unit_path)
    if gone.classified_at > kept.classified_at:
        ended, ended_on = CLASSIFICATION_CATEGORY.get(kept.classification), keep
        kept.classification, kept.classification_method = gone.classification, gone.classification_method
        kept.classified_at = gone.classified_at
    else:
        ended, ended_on = CLASSIFICATION_CATEGORY.get(gone.classification), drop
    if ended and ended != CLASSIFICATION_CATEGORY.get(kept.classification):
        registry_close(ended_on, ended, at=now, by=by)
    for name in ("label", "onset_date", "report_date", "confirmed_date", "hospital_name"):
        if not getattr(kept, name) and getattr(gone, name):
            setattr(kept, name, getattr(gone, name))
    if kept.hospital_id is None and gone.hospital_id is not None:
        kept.hospital_id = gone.hospital_id
    if not kept.outcome and gone.outcome:
        kept.outcome, kept.outcome_date = gone.outcome, gone.outcome_date
    if gone.notes and gone.notes not in kept.notes:
        kept.notes = f"{kept.notes}\n{gone.notes}" if kept.notes else gone.notes
    kept.version += 1
    kept.save()
    audit_record(actor=by, action="update", obj=kept, unit_path=kept.unit_path, before=before,
                 after={**snapshot(kept, CASE_AUDIT_FIELDS), "merged_case": gone.pk}, note=MERGED)
    audit_record(actor=by, action="delete", obj=gone, unit_path=gone.unit_path,
                 before=snapshot(gone, CASE_AUDIT_FIELDS), after={"merged_into": kept.pk}, note=MERGED)
    gone.delete()


def _follow_ups_join(keep: Person, drop: Person, now: dt.datetime, by) -> None:
    active = {fu.person_id: fu for fu in FollowUp.objects.select_for_update().select_related("category")
              .filter(person__in=[keep, drop], state=FollowUp.State.ACTIVE)}
    is_case = Case.objects.filter(person__in=[keep, drop]).exclude(
        classification=Case.Classification.EXCLUDED).exists()
    if is_case:
        for fu in active.values():
            follow_up_end(follow_up=fu, state=FollowUp.State.BECAME_CASE, at=now, reason=MERGED, by=by)
        return
    kept, gone = active.get(keep.pk), active.get(drop.pk)
    if kept is None or gone is None:
        return
    before = snapshot(kept, FOLLOW_UP_AUDIT_FIELDS)
    if kept.category.code == SECONDARY_CONTACT and gone.category.code == CLOSE_CONTACT:
        registry_close(keep, SECONDARY_CONTACT, at=now, by=by)  # drop's close-contact category moves to keep
        kept.category = gone.category
    old_end = kept.end
    kept.start = min(kept.start, gone.start)
    kept.last_exposure = max(kept.last_exposure, gone.last_exposure)
    kept.end = max(kept.end, gone.end)
    kept.end_manual = kept.end_manual or gone.end_manual
    kept.missed_days = max(kept.missed_days, gone.missed_days)
    kept.save()
    if kept.end != old_end:
        FollowUpEvent.objects.create(follow_up=kept, kind=FollowUpEvent.Kind.MANUAL, at=now, by=by, old_end=old_end,
                                     new_end=kept.end, reason=MERGED)
    audit_record(actor=by, action="update", obj=kept, unit_path=kept.unit_path, before=before,
                 after=snapshot(kept, FOLLOW_UP_AUDIT_FIELDS), note=MERGED)
    gone_before = snapshot(gone, FOLLOW_UP_AUDIT_FIELDS)
    gone.state, gone.ended_at = FollowUp.State.STOPPED, now
    gone.save(update_fields=["state", "ended_at"])
    FollowUpEvent.objects.create(follow_up=gone, kind=FollowUpEvent.Kind.STOPPED, at=now, by=by, old_end=gone.end,
                                 reason=MERGED)
    closed = tasks_close_for_follow_up(follow_up=gone, from_day=timezone.localdate(), reason=MERGED, by=by)
    audit_record(actor=by, action="update", obj=gone, unit_path=gone.unit_path, before=gone_before,
                 after={**snapshot(gone, FOLLOW_UP_AUDIT_FIELDS), "tasks_closed": closed}, note=MERGED)
