"""Retention: people released from management are anonymised N days later; a dry run first; what the
reports count stays; people still managed, released lately or never managed stay as they are."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from core.errors import DomainError
from core.models import AuditEntry
from persons import retention, services
from persons.facts import PeopleSource
from persons.models import (
    CategoryEpisode,
    CustomField,
    HealthCheck,
    Person,
    StatusEpisode,
)
from persons.tests.conftest import at, cat, resident_id, status
from reports.expressions import parse
from reports.facts import Window

PERSON_VALUES = ["name", "name_initials", "sex", "birth_date", "doc_type", "doc_number", "doc_tail", "phone",
                 "address", "grid_id", "unit_path", "household_head_id", "household_relation", "notes", "custom",
                 "version", "anonymised_at"]


def values() -> dict:
    return {p["id"]: p for p in Person.objects.values("id", *PERSON_VALUES)}


@pytest.fixture
def town(cast, person_data):
    """张三, released in February 2020 (with notes, fields, a household member); 王五, a close contact
    still managed; 赵六, released ten days ago; 孙七, category ended but still in hospital; 李四, never
    managed (张三's spouse)."""
    CustomField.objects.create(key="nat_test", label="核酸检测", type="choice", choices=["阴性", "阳性"])
    CustomField.objects.create(key="employer", label="工作单位", type="text")
    zhang = services.person_register(data=person_data(notes="三元社区1栋302，与父母同住", **{
        "custom.nat_test": "阴性", "custom.employer": "娄底钢铁"}), by=None)
    services.category_assign(person=zhang, category=cat("hubei"), start=at("2020-01-20"), note="武汉来娄", by=None)
    services.status_set(person=zhang, status=status("home_quarantine"), start=at("2020-01-20"), by=None)
    services.health_check_record(person=zhang, checked_at=at("2020-01-21"), temperature="36.5", note="家属代报",
                                 by=None)
    services.status_set(person=zhang, status=status("released"), start=at("2020-02-03"), by=None)
    services.category_end(person=zhang, category=cat("hubei"), end=at("2020-02-15"), by=None)
    li = services.person_register(data=person_data(name="李四", doc_number=resident_id(seq=222), phone="13900001111",
                                                   household_head=zhang.doc_number, household_relation="spouse"),
                                  by=None)
    wang = services.person_register(data=person_data(name="王五", doc_number=resident_id(seq=333), phone="13900002222"),
                                    by=None)
    services.category_assign(person=wang, category=cat("close_contact"), start=at("2020-02-01"), by=None)
    zhao = services.person_register(data=person_data(name="赵六", doc_number=resident_id(seq=444),
                                                     grid=cast.grid_b.code), by=None)
    services.category_assign(person=zhao, category=cat("wuhan"), start=at("2020-02-01"), by=None)
    services.category_end(person=zhao, category=cat("wuhan"), end=timezone.now() - dt.timedelta(days=10), by=None)
    sun = services.person_register(data=person_data(name="孙七", doc_number=resident_id(seq=555)), by=None)
    services.category_assign(person=sun, category=cat("suspected"), start=at("2020-02-01"), by=None)
    services.status_set(person=sun, status=status("hospital"), start=at("2020-02-01"), by=None)
    services.category_end(person=sun, category=cat("suspected"), end=at("2020-02-05"), by=None)
    return {"zhang": zhang, "li": li, "wang": wang, "zhao": zhao, "sun": sun}


def run(*args) -> str:
    out = io.StringIO()
    call_command("persons_retention", *args, stdout=out)
    return out.getvalue()


def test_only_people_released_before_the_cutoff_are_candidates(town):
    ids = set(retention.retention_candidates(cutoff=retention.retention_cutoff()).values_list("pk", flat=True))
    assert ids == {town["zhang"].pk}
    # with a shorter period, the person released ten days ago is one too
    ids = set(retention.retention_candidates(cutoff=retention.retention_cutoff(days=5)).values_list("pk", flat=True))
    assert ids == {town["zhang"].pk, town["zhao"].pk}


def test_dry_run_reports_and_changes_nothing(cast, town):
    before, audit_count = values(), AuditEntry.objects.count()
    out = run("--dry-run")
    assert values() == before and AuditEntry.objects.count() == audit_count
    assert "people to anonymise: 1" in out and "oldest release: 2020-02-15" in out
    assert f"{cast.grid_a.code} {cast.grid_a.name}: 1 (oldest release 2020-02-15)" in out
    assert f"sample ids: {town['zhang'].pk}" in out and "dry run: nothing changed" in out


def test_anonymising_removes_what_identifies_and_keeps_what_reports_count(cast, town):
    zhang = town["zhang"]
    old = Person.objects.get(pk=zhang.pk)
    indicator = parse("count people where category = hubei")
    window = Window(cutoff=at("2020-02-10"), period_start=at("2020-02-09"))
    counts_before = PeopleSource().counts(indicator, window=window, under=cast.street.path)
    episodes_before = [(e.category_id, e.start, e.end, e.unit_path) for e in zhang.category_episodes.all()]
    statuses_before = [(e.status_id, e.start, e.end) for e in zhang.status_episodes.all()]

    out = run()
    assert "anonymised 1 people in 1 batches; 1 household links to them removed" in out

    p = Person.objects.get(pk=zhang.pk)
    assert p.name.endswith(f"#{p.pk}") and "张" not in p.name and p.name_initials == ""
    assert p.doc_number == f"ANON{p.pk}" and p.doc_tail == p.doc_number[-4:] and p.doc_type == old.doc_type
    assert (p.phone, p.address, p.notes, p.household_relation) == ("", "", "", "")
    assert p.birth_date == dt.date(1990, 7, 1)  # the year stays
    assert p.custom == {"nat_test": "阴性"}  # a choice stays, free text goes
    assert (p.sex, p.unit_path, p.grid_id) == (old.sex, old.unit_path, old.grid_id)
    assert p.anonymised_at is not None and p.version == old.version + 1
    assert [(e.category_id, e.start, e.end, e.unit_path) for e in p.category_episodes.all()] == episodes_before
    assert [(e.status_id, e.start, e.end) for e in p.status_episodes.all()] == statuses_before
    assert not CategoryEpisode.objects.filter(person=p).exclude(note="").exists()
    assert HealthCheck.objects.get(person=p).note == "" and HealthCheck.objects.get(person=p).temperature is not None
    assert PeopleSource().counts(indicator, window=window, under=cast.street.path) == counts_before
    # the household member is no longer linked to the anonymised record
    assert Person.objects.get(pk=town["li"].pk).household_head_id is None

    # the new audit entries name the fields, never their old values
    new = AuditEntry.objects.filter(note__in=["personal data anonymised after the retention period",
                                              "the household head's data was anonymised: link removed"])
    assert new.count() == 2
    text = json.dumps([[e.object_repr, e.before, e.after] for e in new], ensure_ascii=False)
    for secret in (old.name, old.doc_number, old.phone, old.address, "娄底钢铁", "1990-01-01"):
        assert secret not in text
    entry = new.get(object_id=str(p.pk))
    assert entry.actor_name == "system" and "doc_number" in entry.after["anonymised"]


def test_people_still_managed_released_lately_or_never_managed_are_untouched(town):
    keep = [town[k].pk for k in ("wang", "zhao", "sun")]
    before = {pk: v for pk, v in values().items() if pk in keep}
    run()
    after = values()
    assert {pk: after[pk] for pk in keep} == before
    assert Person.objects.get(pk=town["li"].pk).name == "李四"  # never managed: only the link to 张三 went


def test_a_second_run_changes_nothing(town):
    run()
    before, audit_count = values(), AuditEntry.objects.count()
    out = run()
    assert "people to anonymise: 0" in out and "anonymised" not in out.split("\n", 2)[-1]
    assert values() == before and AuditEntry.objects.count() == audit_count


def test_someone_managed_again_between_selection_and_batch_is_left(town):
    zhang = town["zhang"]
    cutoff = retention.retention_cutoff()
    services.category_assign(person=zhang, category=cat("close_contact"), start=timezone.now(), by=None)
    done, _links = retention._anonymise_batch([zhang.pk], cutoff=cutoff, by=None)
    assert done == [] and Person.objects.get(pk=zhang.pk).anonymised_at is None


def test_small_batches_give_the_same_result(cast, town):
    services.category_end(person=town["wang"], category=cat("close_contact"), end=at("2020-02-20"), by=None)
    result = retention.retention_anonymise(cutoff=retention.retention_cutoff(), batch_size=1)
    assert (result.people, result.batches) == (2, 2)
    assert set(result.ids) == {town["zhang"].pk, town["wang"].pk}


def test_unit_limits_the_run(cast, town):
    out = run("--unit", cast.community_b.code)
    assert "people to anonymise: 0" in out
    assert Person.objects.get(pk=town["zhang"].pk).anonymised_at is None
    with pytest.raises(Exception, match="no unit has the code 999"):
        run("--unit", "999")


def test_the_period_comes_from_the_setting(settings, town):
    settings.PERSONS_RETENTION_DAYS = 5
    out = run("--dry-run")
    assert "retention: 5 days" in out and "people to anonymise: 2" in out


def test_an_app_can_hold_people_and_clear_its_own_rows(monkeypatch, town):
    cleared = []
    monkeypatch.setattr(retention, "_HOLDS", [])
    monkeypatch.setattr(retention, "_ANONYMISERS", [])
    retention.person_retention_hook_register(
        hold=lambda cutoff: Person.objects.filter(pk=town["zhang"].pk).values("pk"),
        anonymise=lambda person_ids, by: cleared.extend(person_ids))
    assert "people to anonymise: 0" in run()
    retention._HOLDS.clear()
    run()
    assert cleared == [town["zhang"].pk]


def test_an_anonymised_record_is_closed_to_edits(cast, town, client_for):
    run()
    zhang = Person.objects.get(pk=town["zhang"].pk)
    with translation.override("en"), pytest.raises(DomainError) as exc:
        services.person_update(person=zhang, data={"name": "张三"}, version=None, by=None)
    assert exc.value.code == "anonymised"
    with pytest.raises(DomainError):
        services.category_assign(person=zhang, category=cat("hubei"), by=None)
    with pytest.raises(DomainError):
        services.status_set(person=zhang, status=status("home_quarantine"), by=None)
    page = client_for(cast.grid_a_worker).get(f"/persons/{zhang.pk}/").content.decode()
    assert 'id="anonymised"' in page and f"/persons/{zhang.pk}/edit/" not in page
    assert StatusEpisode.objects.filter(person=zhang).count() == 2
