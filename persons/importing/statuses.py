"""The management status a sheet's 管控措施 names, opened as a status episode of each imported person.

A person already under that status keeps the episode they have (importing the same file again changes
nothing), and so does one whose status on record started later than the row's (the record knows more than the
file); otherwise the status on record is closed where the new one starts. A person listed twice in the file takes
the later row's status: the episode the earlier row opened is changed, or closed where the later one starts. The new episode
starts at the row's arrival date (来娄时间) when it has one, else at the import day's midnight; a release (解除管理)
starts at the import day, since the file does not say when it happened. Its planned end follows status_set's
rule: the start plus the longest period of the person's open categories (14 days without one).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Max

from core.audit import audit_record, snapshot
from core.clock import day_start
from persons.importing.check import CATEGORY_START, DOC_NUMBER, DOC_TYPE, GRID, SITE, STATUS
from persons.models import CategoryEpisode, ManagementStatus, Person, StatusEpisode

DEFAULT_PERIOD = 14


@dataclass
class StatusWriter:
    job: object
    by: object
    grid_paths: dict[int, str]
    default_start: dt.datetime
    note: str
    opened: int = 0
    kinds: dict = field(default_factory=dict)
    mine: set = field(default_factory=set)  # people whose open episode this import opened

    def write(self, rows: list, existing: dict) -> None:
        """Open the status named on each row (the later row of a person winning) unless the person is under it."""
        if not self.kinds:
            self.kinds = {pk: (release, zh) for pk, release, zh in
                          ManagementStatus.objects.values_list("id", "is_release", "name_zh")}
        ids = dict(existing)
        missing = [r for r in rows if (r[DOC_TYPE], r[DOC_NUMBER]) not in ids]
        for doc_type in {r[DOC_TYPE] for r in missing}:
            numbers = [r[DOC_NUMBER] for r in missing if r[DOC_TYPE] == doc_type]
            ids.update(((doc_type, n), pk) for n, pk in Person.objects.filter(
                doc_type=doc_type, doc_number__in=numbers).values_list("doc_number", "id"))
        wanted = {ids[(r[DOC_TYPE], r[DOC_NUMBER])]: r for r in rows}
        current = {e.person_id: e for e in StatusEpisode.objects.select_for_update().filter(
            person_id__in=wanted, end__isnull=True)}
        periods = dict(CategoryEpisode.objects.filter(person_id__in=wanted, end__isnull=True).values(
            "person_id").annotate(days=Max("category__period_days")).values_list("person_id", "days"))
        known = set(existing.values())
        new = []
        for pk, r in wanted.items():
            old = current.get(pk)
            if old is not None and old.status_id == r[STATUS]:
                if r[SITE] is not None and old.site_id is None:
                    old.site_id = r[SITE]
                    old.save(update_fields=["site"])
                continue
            release, _zh = self.kinds[r[STATUS]]
            start = self.default_start
            if r[CATEGORY_START] is not None and not release:
                start = day_start(r[CATEGORY_START])
            planned = None if release else start + dt.timedelta(days=periods.get(pk) or DEFAULT_PERIOD)
            if old is not None and pk not in self.mine and old.start >= start:
                continue  # the status on record is newer than the file's
            if old is not None and pk in self.mine and start <= old.start:
                old.status_id, old.site_id = r[STATUS], r[SITE]
                old.planned_end = None if release else old.start + (planned - start)
                old.save(update_fields=["status", "site", "planned_end"])
                continue
            if old is not None:
                old.end = start
                old.save(update_fields=["end"])
            new.append(StatusEpisode(person_id=pk, status_id=r[STATUS], site_id=r[SITE], start=start,
                                     planned_end=planned, unit_path=self.grid_paths[r[GRID]], created_by=self.by))
        episodes = StatusEpisode.objects.bulk_create(new, batch_size=500)
        self.opened += len(episodes)
        self.mine.update(e.person_id for e in episodes)
        changed = [e for e in episodes if e.person_id in known]
        if changed:  # a change to someone already on the list; new people are in the job's entry
            names = dict(Person.objects.filter(pk__in={e.person_id for e in changed}).values_list("id", "name"))
            for e in changed:
                audit_record(actor=self.by, action="create", obj=e, unit_path=e.unit_path,
                             after={**snapshot(e), "import_job": self.job.pk},
                             object_repr=f"{names[e.person_id]} · {self.kinds[e.status_id][1]}", note=self.note)

