"""Report files: the day's workbook in the official layout (and as PDF through LibreOffice), CSV,
DHIS2 dataValueSets, manual cells read back from the workbook; every export audited and scoped."""

import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess

import pytest
import time_machine
from django.utils import timezone, translation
from openpyxl import load_workbook

from core.errors import DomainError
from core.models import AuditEntry
from orgunits.models import Site
from persons import services as people
from persons.models import Category, ManagementStatus
from persons.tests.conftest import resident_id
from reports import exporting, services
from reports.models import Form, Submission

TZ = timezone.get_fixed_timezone(8 * 60)
DAY = dt.date(2020, 5, 21)
HUBEI = "涉鄂涉汉人员网格化管理日报"
CONFIRMED = "确诊病例及涉及小区情况日报"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute)).replace(tzinfo=TZ)


def register(cast, seq, grid, category, start, status=None):
    person = people.person_register(data={"name": f"人{seq}", "doc_number": resident_id(seq=seq), "grid": grid.code},
                                    by=None)
    people.category_assign(person=person, category=Category.objects.get(code=category), start=start, by=None)
    if status:
        site = None
        if status == "central_quarantine":
            site, _new = Site.objects.get_or_create(unit=cast.street, name="隔离酒店", defaults={
                "unit_path": cast.street.path, "kind": Site.Kind.QUARANTINE_HOTEL})
        people.status_set(person=person, status=ManagementStatus.objects.get(code=status), site=site, start=start,
                          by=None)
    return person


@pytest.fixture
def evening():
    """16:30 on the day: after the 15:00 cut-off, before the 17:00 deadline."""
    with time_machine.travel(at(DAY, 16, 30), tick=False):
        yield


@pytest.fixture
def day_people(cast, evening):
    """The five forms, and people in both communities of 长青街道 on 21 May 2020."""
    services.forms_seed()
    return {
        "a_new": register(cast, 1, cast.grid_a, "hubei", at(DAY, 10), "home_quarantine"),
        "a_old": register(cast, 2, cast.grid_a, "wuhan", at(DAY - dt.timedelta(days=3), 9), "home_monitoring"),
        "b_old": register(cast, 3, cast.grid_b, "hubei", at(DAY - dt.timedelta(days=2), 9), "central_quarantine"),
        "b_case": register(cast, 4, cast.grid_b, "confirmed", at(DAY, 9)),
        "a_contact": register(cast, 5, cast.grid_a, "close_contact", at(DAY - dt.timedelta(days=1), 9),
                              "central_quarantine"),
    }


def _forms():
    return {f.code: f for f in Form.objects.all()}


def _submitted_and_approved(cast) -> Submission:
    form = _forms()["hubei_wuhan_daily"]
    draft = services.submission_compute(form=form, unit=cast.street, day=DAY, by=cast.street_officer)
    submitted = services.submission_submit(submission=draft, by=cast.street_officer)
    return services.submission_review(submission=submitted, approve=True, by=cast.city_admin)


def _rows(sheet) -> list[list]:
    return [list(r) for r in sheet.iter_rows(values_only=True)]


# ---- the workbook ----------------------------------------------------------------------------------------

def test_the_days_workbook_has_every_form_in_the_official_layout(cast, day_people):
    _submitted_and_approved(cast)
    data = exporting.workbook_for_day(unit=cast.street, day=DAY, user=cast.street_officer)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == [HUBEI, "境外人员及拟返娄人员情况日报", "境外返娄人员管理日报", "密切接触者管理日报", CONFIRMED]

    sheet = book[HUBEI]
    assert sheet["A1"].value == HUBEI and "A1:I1" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["A2"].value == "填报单位：长青街道    统计时间：2020-05-21 15:00"
    assert _rows(sheet)[2] == ["单位", "累计登记", "今日新增", "在管人数", "居家隔离", "集中隔离", "居家健康监测",
                               "未落实管理措施", "今日解除"]
    assert _rows(sheet)[3] == ["三元社区", 2, 1, 2, 1, 0, 1, 0, 0]
    assert _rows(sheet)[4] == ["月塘社区", 1, 0, 1, 0, 1, 0, 0, 0]
    assert _rows(sheet)[5] == ["合计", 3, 1, 3, 1, 1, 1, 0, 0]
    assert sheet["A7"].value == "填报人：贺英    审核人：市管理员    填报日期：2020-05-21"
    assert isinstance(sheet["B4"].value, int) and sheet["B6"].font.bold
    assert sheet.column_dimensions["A"].width >= 8 and sheet.column_dimensions["H"].width >= 16  # 未落实管理措施

    # not yet computed: computed live, signed by the exporter, no reviewer; an empty manual cell stays empty
    confirmed = book[CONFIRMED]
    assert _rows(confirmed)[2] == ["单位", "确诊病例", "今日新增确诊", "疑似病例", "无症状感染者", "涉及小区数"]
    assert _rows(confirmed)[4] == ["月塘社区", 1, 1, 0, 0, None]
    assert _rows(confirmed)[5] == ["合计", 1, 1, 0, 0, None]
    assert confirmed["A7"].value == "填报人：贺英    审核人：    填报日期：2020-05-21"

    entry = AuditEntry.objects.get(action="export", object_repr__endswith="xlsx")
    assert entry.actor == cast.street_officer and entry.unit_path == cast.street.path
    assert entry.after["forms"][0] == "hubei_wuhan_daily" and "hubei_wuhan_daily" in entry.after["submissions"]


def test_submitted_values_are_frozen_and_the_others_follow_the_line_list(cast, day_people):
    _submitted_and_approved(cast)
    register(cast, 6, cast.grid_a, "hubei", at(DAY, 11), "home_quarantine")  # recorded late, before the cut-off
    register(cast, 7, cast.grid_a, "close_contact", at(DAY, 11), "home_quarantine")
    book = load_workbook(io.BytesIO(exporting.workbook_for_day(unit=cast.street, day=DAY, user=cast.city_admin)))
    assert _rows(book[HUBEI])[5][1:4] == [3, 1, 3]  # as approved
    assert _rows(book["密切接触者管理日报"])[5][1:3] == [2, 1]  # live
    assert book[HUBEI]["A7"].value.startswith("填报人：贺英")  # the submitter, not the exporter


def test_the_workbook_converts_to_pdf_with_libreoffice(cast, day_people, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (libreoffice-calc) must be installed on CI")
        pytest.skip("LibreOffice is not installed")
    source = tmp_path / "day.xlsx"
    source.write_bytes(exporting.workbook_for_day(unit=cast.street, day=DAY, user=cast.street_officer))
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=240)
    pdf = (tmp_path / "day.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 5  # five sheets, each fitted to one page


def test_no_form_for_a_unit_of_another_kind(cast, day_people):
    with pytest.raises(DomainError) as exc:
        exporting.workbook_for_day(unit=cast.community_a, day=DAY, user=cast.street_officer)
    assert exc.value.code == "no_forms"


# ---- CSV and DHIS2 ---------------------------------------------------------------------------------------

def test_csv_of_one_report(cast, day_people):
    submission = services.submission_compute(form=_forms()["hubei_wuhan_daily"], unit=cast.street, day=DAY,
                                             by=cast.street_officer)
    with translation.override("en"):
        text = exporting.csv_for_submission(submission, user=cast.street_officer).decode("utf-8")
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("unit code,unit,registered to date,new today,under management")
    assert lines[1] == f"{cast.community_a.code},三元社区,2,1,2,1,0,1,0,0"
    assert lines[3] == f"{cast.street.code},total,3,1,3,1,1,1,0,0"
    assert AuditEntry.objects.filter(action="export", object_type="reports.submission",
                                     object_id=str(submission.pk)).exists()


def test_dhis2_data_value_sets_use_codes_and_put_the_total_under_the_street(cast, day_people):
    approved = _submitted_and_approved(cast)
    document = exporting.data_value_sets(unit=cast.street, day=DAY, user=cast.city_admin)
    values = document["dataValues"]
    assert set(document) == {"dataValues"}
    assert all(set(v) == {"dataElement", "period", "orgUnit", "value", "storedBy", "lastUpdated"} for v in values)
    index = {(v["dataElement"], v["orgUnit"]): v for v in values}
    managed_a = index[("hubei_wuhan_daily.managed", cast.community_a.code)]
    assert managed_a["value"] == "2" and managed_a["period"] == "20200521" and managed_a["storedBy"] == "street_officer"
    assert managed_a["lastUpdated"] == timezone.localtime(approved.reviewed_at).isoformat(timespec="seconds")
    assert index[("hubei_wuhan_daily.managed", cast.street.code)]["value"] == "3"
    assert index[("confirmed_daily.confirmed", cast.community_b.code)]["value"] == "1"
    assert index[("close_contact_daily.registered", cast.street.code)]["storedBy"] == "city_admin"  # live
    assert {v["orgUnit"] for v in values} == {cast.community_a.code, cast.community_b.code, cast.street.code}
    assert not any(v["dataElement"] == "confirmed_daily.compounds" for v in values)  # empty manual cell
    # 8 + 4 + 7 + 6 + 4 columns with a value, for two communities and the street
    assert len(values) == 29 * 3
    assert AuditEntry.objects.filter(action="export", object_repr__endswith="dataValueSets").count() == 1


# ---- manual cells from the workbook -----------------------------------------------------------------------

def _confirmed_draft(cast) -> Submission:
    return services.submission_compute(form=_forms()["confirmed_daily"], unit=cast.street, day=DAY,
                                       by=cast.street_officer)


def _edited(cast, edit) -> bytes:
    book = load_workbook(io.BytesIO(exporting.workbook_for_day(unit=cast.street, day=DAY, user=cast.street_officer)))
    edit(book[CONFIRMED])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_manual_cells_come_back_from_the_exported_workbook(cast, day_people):
    draft = _confirmed_draft(cast)

    def fill(sheet):
        sheet["F5"] = 1  # 月塘社区 · 涉及小区数
        sheet["F6"] = 99  # the total is computed, never read

    data = _edited(cast, fill)
    assert exporting.manual_cells_from_xlsx(submission=draft, data=data, by=cast.street_officer) == {
        cast.community_b.code: {"compounds": 1}}
    draft.refresh_from_db()
    assert draft.manual == {cast.community_b.code: {"compounds": 1}}
    assert draft.values["total"]["compounds"] == 1 and draft.issues == []
    lock_version = draft.lock_version
    exporting.manual_cells_from_xlsx(submission=draft, data=data, by=cast.street_officer)  # the same file again
    draft.refresh_from_db()
    assert draft.lock_version == lock_version


def test_mistakes_in_the_workbook_are_named_by_cell_and_nothing_is_saved(cast, day_people):
    draft = _confirmed_draft(cast)

    def spoil(sheet):
        sheet["A2"] = "填报单位：长青街道    统计时间：2020-05-20 15:00"
        sheet["F4"] = "两个"
        sheet["F5"] = -1
        sheet.insert_rows(6)
        sheet["A6"] = "外星社区"

    with translation.override("en"), pytest.raises(DomainError) as exc:
        exporting.manual_cells_from_xlsx(submission=draft, data=_edited(cast, spoil), by=cast.street_officer)
    assert exc.value.code == "invalid_workbook"
    assert set(exc.value.fields) == {"A2", "F4", "F5", "A6"}
    assert "2020-05-20" in exc.value.fields["A2"][0] and "not a number" in exc.value.fields["F4"][0]
    assert "negative" in exc.value.fields["F5"][0] and "外星社区" in exc.value.fields["A6"][0]
    draft.refresh_from_db()
    assert draft.manual == {}


def test_a_file_that_is_not_a_workbook_is_refused(cast, day_people):
    with pytest.raises(DomainError) as exc:
        exporting.manual_cells_from_xlsx(submission=_confirmed_draft(cast), data=b"name,value\n", by=cast.street_officer)
    assert exc.value.code == "unreadable_file"


def test_a_submitted_report_takes_no_manual_cells(cast, day_people):
    draft = _confirmed_draft(cast)
    services.submission_manual_set(submission=draft, values={cast.community_b.code: {"compounds": 1}},
                                   lock_version=None, by=cast.street_officer)
    submitted = services.submission_submit(submission=draft, by=cast.street_officer)
    data = _edited(cast, lambda sheet: sheet.__setitem__("F5", 0))
    with pytest.raises(DomainError) as exc:
        exporting.manual_cells_from_xlsx(submission=submitted, data=data, by=cast.street_officer)
    assert exc.value.code == "locked"


# ---- through HTTP ----------------------------------------------------------------------------------------

def test_pages_serve_the_files_to_the_officer(cast, day_people, client_for):
    submission = _confirmed_draft(cast)
    client = client_for(cast.street_officer)
    page = client.get(f"/reports/s/{submission.pk}/").content.decode()
    assert f"/reports/s/{submission.pk}/export.csv" in page and "/reports/day.xlsx?unit=431302004" in page
    assert f"/reports/s/{submission.pk}/manual.xlsx" in page
    today = client.get("/reports/?day=2020-05-21").content.decode()
    assert "/reports/day.json?unit=431302004&amp;day=2020-05-21" in today

    xlsx = client.get(f"/reports/day.xlsx?unit={cast.street.code}&day=2020-05-21")
    assert xlsx.status_code == 200 and xlsx["Content-Type"] == XLSX
    assert "reports-431302004-2020-05-21.xlsx" in xlsx["Content-Disposition"]
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames[0] == HUBEI
    document = json.loads(client.get(f"/reports/day.json?unit={cast.street.code}&day=2020-05-21").content)
    assert len(document["dataValues"]) == 29 * 3
    csv = client.get(f"/reports/s/{submission.pk}/export.csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert client.get(f"/reports/day.xlsx?unit={cast.street.code}&day=21.5.2020").status_code == 400

    data = _edited(cast, lambda sheet: sheet.__setitem__("F5", 1))
    upload = io.BytesIO(data)
    upload.name = "confirmed.xlsx"
    response = client.post(f"/reports/s/{submission.pk}/manual.xlsx", {"file": upload}, follow=True)
    assert response.status_code == 200
    submission.refresh_from_db()
    assert submission.manual == {cast.community_b.code: {"compounds": 1}}


def test_files_are_hidden_outside_scope(cast, day_people, client_for):
    submission = _confirmed_draft(cast)
    street = cast.street.code
    for user in (cast.other_street_officer, cast.community_a_worker, cast.grid_a_worker):
        client = client_for(user)
        assert client.get(f"/reports/s/{submission.pk}/export.csv").status_code == 404
        assert client.get(f"/reports/day.xlsx?unit={street}&day=2020-05-21").status_code == 404
        assert client.get(f"/reports/day.json?unit={street}&day=2020-05-21").status_code == 404
        upload = io.BytesIO(b"x")
        upload.name = "x.xlsx"
        assert client.post(f"/reports/s/{submission.pk}/manual.xlsx", {"file": upload}).status_code == 404
    # community B's worker reads B's reports only, not the street's
    assert client_for(cast.community_b_worker).post(f"/reports/s/{submission.pk}/manual.xlsx").status_code == 404
    assert not AuditEntry.objects.filter(action="export").exists()
