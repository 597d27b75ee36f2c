"""The goal of the street sheet import: a messy 2,000-row 台账 as a street keeps it goes in at the street with no
hand-made mapping, every valid person in with every value right, every bad row refused with its reason."""

import csv
import datetime as dt
import io

from django.core.files.base import ContentFile
from django.utils import timezone

from persons import importing
from persons.generator.sheet import street_sheet
from persons.models import ImportJob, Person
from persons.tests.test_import import csv_bytes


def test_a_messy_street_sheet_of_2000_rows_goes_in_at_the_street_as_it_is(cast, django_capture_on_commit_callbacks):
    sheet = street_sheet(communities=[cast.community_a.name, cast.community_b.name], count=2000, seed=18)
    assert len(sheet.refused) == 28 and len(sheet.merged) == 60
    content = csv_bytes(sheet.rows, header=sheet.header)

    with django_capture_on_commit_callbacks(execute=True):
        job = importing.import_job_create(unit=cast.street, uploaded_file=ContentFile(content, name="台账.csv"),
                                          filename="台账.csv", keep_valid=True, by=cast.street_officer)
    job.refresh_from_db()

    assert job.state == ImportJob.State.DONE, job.message
    assert (job.created, job.error_rows) == (len(sheet.people), len(sheet.refused))
    people = {p.doc_number: p for p in Person.objects.select_related("grid")}
    assert len(people) / len(sheet.people) >= 0.99 and set(people) == set(sheet.people)
    units = {cast.community_a.name: cast.community_a, cast.community_b.name: cast.community_b}
    wrong = []
    for number, want in sheet.people.items():
        got = people[number]
        categories = {e.category.name_zh: timezone.localtime(e.start).date()
                      for e in got.category_episodes.select_related("category")}
        status = got.status_episodes.select_related("status").get(end__isnull=True).status.name_zh
        if ((got.name, got.sex, got.phone, got.address, got.grid, categories, status)
                != (want.name, want.sex, want.phone, want.address, units[want.community], want.categories,
                    want.status)):
            wrong.append((number, got.name, got.phone, categories, status, want))
    assert not wrong, wrong[:3]
    with job.error_file.open("rb") as f:
        returned = list(csv.reader(io.StringIO(f.read().decode("utf-8-sig"))))[1:]
    reasons = {int(r[0]) + 1: r[-1] for r in returned}  # 序号 n is line n + 1
    assert set(reasons) == set(sheet.refused)
    assert all(f"第 {line} 行：身份证号码: " in reason and "校验码" in reason for line, reason in reasons.items()), \
        list(reasons.values())[:2]
    assert "并入" in job.message


def test_the_sheet_generator_gives_the_same_sheet_for_the_same_seed():
    first = street_sheet(communities=["三元社区"], count=200, seed=5, bad_ids=3, repeats=5)
    again = street_sheet(communities=["三元社区"], count=200, seed=5, bad_ids=3, repeats=5)
    assert first.rows == again.rows and first.rows != street_sheet(communities=["三元社区"], count=200, seed=6,
                                                                   bad_ids=3, repeats=5).rows
    assert any("月" in r[8] and "年" not in r[8] for r in first.rows)
    assert any(r[8].isdigit() for r in first.rows) and dt.date(2020, 1, 1)
