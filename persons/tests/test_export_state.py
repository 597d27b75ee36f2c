"""The person list export carries each person's categories and management status, and since when; its file and
an import's error file carry a Chinese name with an ASCII fallback."""

import csv
import datetime as dt
import io
import re
from urllib.parse import unquote

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from orgunits.models import Site
from persons import exporting, importing
from persons import services as people
from persons.models import Category, ImportJob, ManagementStatus, Person
from persons.tests.conftest import resident_id
from persons.tests.test_import import csv_bytes, people_rows

TZ = timezone.get_fixed_timezone(8 * 60)
STATE = ["当前类别", "当前管理状态", "状态开始时间"]


def at(month_day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2020, 5, month_day, hour).replace(tzinfo=TZ)


def _register(seq: int, name: str, grid) -> Person:
    return people.person_register(data={"name": name, "doc_number": resident_id(seq=seq), "grid": grid.code}, by=None)


def _category(person, code, start):
    people.category_assign(person=person, category=Category.objects.get(code=code), start=start, by=None)


def _status(person, code, start, site=None):
    people.status_set(person=person, status=ManagementStatus.objects.get(code=code), start=start, site=site, by=None)


@pytest.fixture
def line_list(cast):
    """Four people of 长青街道 as of 25 May 2020, 10:00."""
    with time_machine.travel(at(21, 8), tick=False):
        zhang = _register(1, "张三", cast.grid_a)  # two categories, under home quarantine
        _category(zhang, "wuhan", at(19))
        _category(zhang, "hubei", at(18))
        _status(zhang, "home_quarantine", at(18, 10))
        li = _register(2, "李四", cast.grid_a)  # quarantined in a hotel, released since
        _category(li, "close_contact", at(20))
        hotel = Site.objects.create(unit=cast.street, unit_path=cast.street.path, name="隔离酒店",
                                    kind=Site.Kind.QUARANTINE_HOTEL)
        _status(li, "central_quarantine", at(20, 12), site=hotel)
        zhao = _register(3, "赵六", cast.grid_a)  # monitored since 10 May, moved to grid B on the 22nd
        _category(zhao, "hubei", at(10))
        _status(zhao, "home_monitoring", at(10, 8))
        _register(4, "王五", cast.grid_b)  # registered, nothing more
    with time_machine.travel(at(22, 15), tick=False):
        people.person_update(person=Person.objects.get(name="赵六"), data={"grid": cast.grid_b.code}, version=None,
                             by=cast.street_officer)
    with time_machine.travel(at(24, 12), tick=False):
        _status(li, "released", at(24, 12))
    with time_machine.travel(at(25, 10), tick=False):
        yield


def _table(response, fmt: str) -> list[list[str]]:
    data = b"".join(response.streaming_content)
    if fmt == "csv":
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(data)).active
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def _by_name(table: list[list[str]], columns: list[str]) -> dict[str, list[str]]:
    header = table[0]
    return {row[0]: [row[header.index(c)] for c in columns] for row in table[1:]}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_person_export_carries_current_categories_and_status_since_when(cast, line_list, client_for, fmt):
    response = client_for(cast.street_officer).get(f"/persons/export.{fmt}")
    assert response.status_code == 200
    table = _table(response, fmt)
    assert table[0][11:14] == STATE  # after 备注, before the additional fields
    assert _by_name(table, STATE) == {
        "张三": ["涉鄂人员、涉汉人员", "居家隔离", "2020-05-18 10:00"],  # in the categories' order
        "李四": ["密切接触者", "解除管理", "2020-05-24 12:00"],
        "赵六": ["涉鄂人员", "居家健康监测", "2020-05-10 08:00"],  # since it began, not since the move
        "王五": ["", "", ""],
    }


def test_a_list_filtered_for_a_past_day_exports_the_state_held_now(cast, line_list, client_for):
    # The list was filtered for the people quarantined on 21 May; their columns say what they are now, as the
    # list page's do, under the same titles (which the import leaves alone).
    table = _table(client_for(cast.street_officer).get("/persons/export.csv?status=central_quarantine"
                                                       "&day=2020-05-21"), "csv")
    assert table[0][11:14] == STATE
    assert _by_name(table, STATE) == {"李四": ["密切接触者", "解除管理", "2020-05-24 12:00"]}


def test_the_person_export_looks_states_up_a_chunk_at_a_time(cast, line_list, client_for, monkeypatch):
    for seq in range(10, 36):
        person = _register(seq, f"人{seq}", cast.grid_a)
        _category(person, "hubei", at(20))
        _status(person, "home_quarantine", at(20))
    monkeypatch.setattr(exporting, "CHUNK", 10)
    response = client_for(cast.street_officer).get("/persons/export.csv")
    with CaptureQueriesContext(connection) as queries:
        table = _table(response, "csv")
    assert len(table) == 31
    episode_reads = [q["sql"] for q in queries.captured_queries if "episode" in q["sql"]]
    # 3 chunks of people: their categories, their statuses, and (one chunk holds 赵六) the episodes continued
    assert len(episode_reads) == 3 + 3 + 1, episode_reads


def _names(response) -> tuple[str, str]:
    header = response["Content-Disposition"]
    plain = re.search(r'filename="([^"]*)"', header)
    encoded = re.search(r"filename\*=UTF-8''([^;\s]+)", header)
    assert header.startswith("attachment; ") and plain and encoded, header
    return plain[1], unquote(encoded[1])


def test_the_person_export_is_named_in_chinese_with_an_ascii_fallback(cast, line_list, client_for):
    response = client_for(cast.street_officer).get("/persons/export.xlsx")
    assert _names(response) == ("persons-20200525-1000.xlsx", "人员名单-2020年5月25日-1000.xlsx")


def test_an_import_s_error_file_is_named_after_the_file_imported(cast, client_for,
                                                                  django_capture_on_commit_callbacks):
    rows = people_rows(2, ["NO-SUCH-GRID"])
    with django_capture_on_commit_callbacks(execute=True):
        job = importing.import_job_create(unit=cast.street, uploaded_file=ContentFile(csv_bytes(rows), name="名单.csv"),
                                          filename="长青街道 5月名单.csv", by=cast.street_officer)
    job.refresh_from_db()
    assert job.state == ImportJob.State.REJECTED
    client = client_for(cast.street_officer)
    for url in (reverse("persons:import_errors", args=[job.pk]), f"/api/person-imports/{job.pk}/errors"):
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        assert _names(response) == (f"import-{job.pk}-errors.csv", "长青街道 5月名单-未导入的行.csv")
