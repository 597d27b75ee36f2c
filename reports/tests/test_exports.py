"""Report files: the day's workbook in the official layout (and as PDF through LibreOffice), CSV,
DHIS2 dataValueSets, manual cells read back from the workbook; every export audited and scoped."""

import csv
import datetime as dt
import io
import json
import re
from urllib.parse import quote, unquote

import pytest
import time_machine
from django.utils import timezone, translation
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from core.errors import DomainError
from core.models import AuditEntry
from reports import engine, exporting, services, workbook_import
from reports.models import Form, Submission
from reports.tests.conftest import DAY, at, register, soffice_convert

HUBEI = "涉鄂涉汉人员网格化管理日报"
CONFIRMED = "确诊病例及涉及小区情况日报"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


def _indicator_values_per_unit() -> int:
    """How many values a unit has in the day's DHIS2 document: every indicator column of the versions in force."""
    return sum(sum(1 for c in engine.version_for(form, DAY).columns if c["kind"] == "indicator")
               for form in Form.objects.all())


def _table(values: dict, columns: list[dict]) -> list[list]:
    """A report's rows and total as its sheet lays them out."""
    return ([[r["name"], *[r["cells"].get(c["key"]) for c in columns]] for r in values["rows"]]
            + [["合计", *[values["total"].get(c["key"]) for c in columns]]])


def _rows(sheet) -> list[list]:
    return [list(r) for r in sheet.iter_rows(values_only=True)]


# ---- the workbook ----------------------------------------------------------------------------------------

def _lines(sheet) -> list[str]:
    """The text of each line of a sheet (its first cell), empty lines left out."""
    return [str(row[0]) for row in sheet.iter_rows(values_only=True) if row and row[0] is not None]


def _texts(sheet) -> str:
    return "\n".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None)


def _book(cast, user=None):
    return load_workbook(io.BytesIO(exporting.workbook_for_day(unit=cast.street, day=DAY,
                                                               user=user or cast.street_officer)))


def test_the_days_workbook_has_every_form_in_the_official_layout(cast, day_people):
    approved = _submitted_and_approved(cast)
    book = _book(cast)
    assert book.sheetnames == [HUBEI, "境外人员及拟返娄人员情况日报", "境外返娄人员管理日报", "密切接触者管理日报", CONFIRMED]

    sheet = book[HUBEI]
    columns = approved.version.columns
    last = get_column_letter(len(columns) + 1)
    assert sheet["A1"].value == HUBEI and f"A1:{last}1" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["A2"].value == "填报单位：长青街道    统计时间：2020年5月21日 15:00"
    assert sheet["A3"].value == "单位：人" and sheet["A3"].alignment.horizontal == "right"
    assert _rows(sheet)[3] == ["单位", *[c["label_zh"] for c in columns]]
    assert _rows(sheet)[4:7] == _table(approved.values, columns)
    cumulative = 1 + [c["key"] for c in columns].index("cumulative")
    assert [row[cumulative] for row in _rows(sheet)[4:7]] == [2, 1, 3]  # 三元社区, 月塘社区, 合计
    assert isinstance(sheet["B5"].value, int) and sheet["B7"].font.bold and not sheet["B6"].font.bold
    assert all(sheet.column_dimensions[get_column_letter(i)].width >= 8 for i in range(1, len(columns) + 2))
    assert sheet.print_title_rows == "$4:$4"

    # not yet computed: computed live, and saying so; an empty manual cell stays empty
    confirmed, version = book[CONFIRMED], engine.version_for(_forms()["confirmed_daily"], DAY)
    assert _rows(confirmed)[4] == ["单位", *[c["label_zh"] for c in version.columns]]
    keys = [c["key"] for c in version.columns]
    assert _rows(confirmed)[6][0] == "月塘社区" and _rows(confirmed)[6][1 + keys.index("confirmed")] == 1
    assert _rows(confirmed)[7][0] == "合计" and _rows(confirmed)[7][1 + keys.index("compounds")] is None

    entry = AuditEntry.objects.get(action="export", object_repr__endswith="xlsx")
    assert entry.actor == cast.street_officer and entry.unit_path == cast.street.path
    assert entry.after["forms"][0] == "hubei_wuhan_daily" and "hubei_wuhan_daily" in entry.after["submissions"]


def test_an_approved_sheet_names_its_submitter_and_reviewer_with_chinese_dates(cast, day_people):
    cast.street_officer.phone = "13807381234"
    cast.street_officer.save()
    form = _forms()["hubei_wuhan_daily"]
    draft = services.submission_compute(form=form, unit=cast.street, day=DAY, by=cast.street_officer)
    submitted = services.submission_submit(submission=draft, by=cast.street_officer)
    with time_machine.travel(at(DAY + dt.timedelta(days=1), 9), tick=False):
        services.submission_review(submission=submitted, approve=True, by=cast.city_admin)
        sheet = _book(cast, cast.city_admin)[HUBEI]
    assert _lines(sheet)[0] == HUBEI  # no mark: it is approved
    assert _lines(sheet)[-4:] == ["填报人：贺英    填报日期：2020年5月21日",
                                  "审核人：市管理员    审核日期：2020年5月22日",
                                  "联系电话：13807381234",
                                  "单位负责人：__________（签字）"]
    assert not re.search(r"\d{4}-\d{2}-\d{2}", _texts(sheet))  # every date in Chinese


def test_a_submitted_sheet_awaiting_review_names_its_submitter_and_no_reviewer(cast, day_people):
    draft = services.submission_compute(form=_forms()["hubei_wuhan_daily"], unit=cast.street, day=DAY,
                                        by=cast.street_officer)
    services.submission_submit(submission=draft, by=cast.street_officer)
    sheet = _book(cast, cast.city_admin)[HUBEI]
    assert _lines(sheet)[0] == HUBEI
    assert _lines(sheet)[-4:] == ["填报人：贺英    填报日期：2020年5月21日", "审核人：待审核    审核日期：__________",
                                  "联系电话：__________", "单位负责人：__________（签字）"]
    assert "市管理员" not in _texts(sheet)  # the downloader is nobody on the sheet


def test_a_draft_sheet_says_it_is_not_submitted_and_names_no_submitter(cast, day_people):
    cast.street_officer.phone = "13807381234"
    cast.street_officer.save()
    services.submission_compute(form=_forms()["hubei_wuhan_daily"], unit=cast.street, day=DAY,
                                by=cast.street_officer)
    book = _book(cast)
    sheet = book[HUBEI]
    assert _lines(sheet)[:4] == [
        "涉鄂涉汉人员网格化管理日报（草稿，未上报）",
        "本表为草稿，尚未上报，数字为2020年5月21日 16:30计算的结果。",
        "填报单位：长青街道    统计时间：2020年5月21日 15:00",
        "单位：人"]
    assert _lines(sheet)[-4:] == ["填报人：__________    填报日期：__________",
                                  "审核人：__________    审核日期：__________",
                                  "联系电话：__________", "单位负责人：__________（签字）"]
    assert "贺英" not in _texts(sheet) and "13807381234" not in _texts(sheet)
    assert f"A1:{get_column_letter(sheet.max_column)}1" in {str(r) for r in sheet.merged_cells.ranges}

    never = book["密切接触者管理日报"]  # nobody computed it: counted live as the file was made
    assert _lines(never)[:2] == ["密切接触者管理日报（未计算，未上报）",
                                 "本表尚未计算和上报，数字为2020年5月21日 16:30导出时按人员台账实时统计，仅供核对。"]
    assert "贺英" not in _texts(never)


def test_a_returned_sheet_says_so_with_the_reason_and_names_no_submitter(cast, day_people):
    draft = services.submission_compute(form=_forms()["hubei_wuhan_daily"], unit=cast.street, day=DAY,
                                        by=cast.street_officer)
    submitted = services.submission_submit(submission=draft, by=cast.street_officer)
    services.submission_review(submission=submitted, approve=False, comment="在管人数与分项不符", by=cast.city_admin)
    sheet = _book(cast)[HUBEI]
    assert _lines(sheet)[:2] == ["涉鄂涉汉人员网格化管理日报（已退回）",
                                 "本表已于2020年5月21日被退回，尚未重新上报。退回意见：在管人数与分项不符"]
    assert _lines(sheet)[-4].startswith("填报人：__________") and "贺英" not in _texts(sheet)


def test_the_unit_line_names_the_columns_counted_in_another_unit(cast, forms):
    later = forms["confirmed_daily"].versions.get(effective_from=dt.date(2020, 5, 22))  # 涉及小区数 counts communities
    assert exporting.measure_line(later) == "单位：人（涉及小区数：个）"
    assert exporting.measure_line(forms["close_contact_daily"].versions.get()) == "单位：人"


def test_submitted_values_are_frozen_and_the_others_follow_the_line_list(cast, day_people):
    _submitted_and_approved(cast)
    register(cast, 6, cast.grid_a, "hubei", at(DAY, 11), "home_quarantine")  # recorded late, before the cut-off
    register(cast, 7, cast.grid_a, "close_contact", at(DAY, 11), "home_quarantine")
    book = _book(cast, cast.city_admin)
    hubei = [c["key"] for c in engine.version_for(_forms()["hubei_wuhan_daily"], DAY).columns]
    contacts = [c["key"] for c in engine.version_for(_forms()["close_contact_daily"], DAY).columns]
    total = _rows(book[HUBEI])[6]
    assert [total[1 + hubei.index(k)] for k in ("cumulative", "new_today")] == [3, 1]  # as approved
    total = _rows(book["密切接触者管理日报"])[7]
    assert [total[1 + contacts.index(k)] for k in ("registered", "new_today")] == [2, 1]  # live
    assert _lines(book[HUBEI])[-4].startswith("填报人：贺英")  # the submitter, not the exporter


def test_the_workbook_opens_and_converts_to_pdf_with_libreoffice(cast, day_people, tmp_path):
    _submitted_and_approved(cast)  # approved, and the other four never computed
    draft = services.submission_compute(form=_forms()["close_contact_daily"], unit=cast.street, day=DAY,
                                        by=cast.street_officer)
    returned = services.submission_compute(form=_forms()["abroad_daily"], unit=cast.street, day=DAY,
                                           by=cast.street_officer)
    returned = services.submission_submit(submission=returned, by=cast.street_officer)
    services.submission_review(submission=returned, approve=False, comment="请核对拟返娄人员", by=cast.city_admin)
    source = tmp_path / "day.xlsx"
    source.write_bytes(exporting.workbook_for_day(unit=cast.street, day=DAY, user=cast.street_officer))
    assert draft.state == Submission.State.DRAFT

    pdf = soffice_convert(tmp_path, source, "pdf")
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 5  # five sheets, each fitted to one page
    html = soffice_convert(tmp_path, source, "html").decode("utf-8", "replace")  # what LibreOffice read from the file
    for text in ["涉鄂涉汉人员网格化管理日报", "密切接触者管理日报（草稿，未上报）", "境外人员及拟返娄人员情况日报（已退回）",
                 "境外返娄人员管理日报（未计算，未上报）", "统计时间：2020年5月21日 15:00", "单位：人",
                 "填报人：贺英", "审核日期：2020年5月21日", "联系电话：", "单位负责人："]:
        assert text in html, text


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
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    columns = submission.version.columns
    assert rows[0] == ["unit code", "unit", *[c["label_en"] for c in columns]]
    expected = _table(submission.values, columns)
    assert rows[1] == [cast.community_a.code, *[str(v) for v in expected[0]]]
    assert rows[3] == [cast.street.code, "total", *[str(v) for v in expected[2][1:]]]
    assert rows[4:] == [[], ["Draft, not submitted: the figures were computed on 2020-05-21 at 16:30."]]
    assert AuditEntry.objects.filter(action="export", object_type="reports.submission",
                                     object_id=str(submission.pk)).exists()


def test_the_csv_of_an_approved_report_names_its_submitter_and_reviewer_with_chinese_dates(cast, day_people):
    approved = _submitted_and_approved(cast)
    text = exporting.csv_for_submission(approved, user=cast.city_admin).decode("utf-8")
    assert text.splitlines()[-1] == ("已上报：填报人贺英，上报日期2020年5月21日；"
                                     "审核通过：审核人市管理员，审核日期2020年5月21日。")
    draft = services.submission_compute(form=_forms()["close_contact_daily"], unit=cast.street, day=DAY,
                                        by=cast.street_officer)
    services.submission_review(submission=services.submission_submit(submission=draft, by=cast.street_officer),
                               approve=False, comment="请补填", by=cast.city_admin)
    returned = exporting.csv_for_submission(Submission.objects.get(pk=draft.pk), user=cast.street_officer)
    assert returned.decode("utf-8").splitlines()[-1] == "已退回（2020年5月21日），尚未重新上报；退回意见：请补填"
    assert "贺英" not in returned.decode("utf-8")


def test_dhis2_data_value_sets_use_codes_and_put_the_total_under_the_street(cast, day_people):
    approved = _submitted_and_approved(cast)
    document = exporting.data_value_sets(unit=cast.street, day=DAY, user=cast.city_admin)
    values = document["dataValues"]
    assert set(document) == {"dataValues"}
    assert all(set(v) - {"comment"} == {"dataElement", "period", "orgUnit", "value", "storedBy", "lastUpdated"}
               for v in values)
    index = {(v["dataElement"], v["orgUnit"]): v for v in values}
    managed_a = index[("hubei_wuhan_daily.managed", cast.community_a.code)]
    assert managed_a["value"] == "2" and managed_a["period"] == "20200521" and managed_a["storedBy"] == "street_officer"
    assert managed_a["lastUpdated"] == timezone.localtime(approved.reviewed_at).isoformat(timespec="seconds")
    assert index[("hubei_wuhan_daily.managed", cast.street.code)]["value"] == "3"
    assert index[("confirmed_daily.confirmed", cast.community_b.code)]["value"] == "1"
    assert index[("close_contact_daily.registered", cast.street.code)]["storedBy"] == "city_admin"  # live
    # values of a report not submitted say so, as its sheet does; approved ones carry no comment
    assert {v.get("comment") for v in values if v["dataElement"].startswith("close_contact_daily.")} == {"未计算，未上报"}
    assert "comment" not in managed_a
    assert {v["orgUnit"] for v in values} == {cast.community_a.code, cast.community_b.code, cast.street.code}
    assert not any(v["dataElement"] == "confirmed_daily.compounds" for v in values)  # empty manual cell
    # every indicator column has a value, for two communities and the street
    assert len(values) == _indicator_values_per_unit() * 3
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
        sheet["F7"] = 1  # 月塘社区 · 涉及小区数 (below the title, the draft's note, the unit lines and the header)
        sheet["F8"] = 99  # the total is computed, never read

    data = _edited(cast, fill)
    assert workbook_import.manual_cells_from_xlsx(submission=draft, data=data, by=cast.street_officer) == {
        cast.community_b.code: {"compounds": 1}}
    draft.refresh_from_db()
    assert draft.manual == {cast.community_b.code: {"compounds": 1}}
    assert draft.values["total"]["compounds"] == 1 and draft.issues == []
    lock_version = draft.lock_version
    workbook_import.manual_cells_from_xlsx(submission=draft, data=data, by=cast.street_officer)  # the same file again
    draft.refresh_from_db()
    assert draft.lock_version == lock_version


def test_mistakes_in_the_workbook_are_named_by_cell_and_nothing_is_saved(cast, day_people):
    draft = _confirmed_draft(cast)

    def spoil(sheet):
        sheet["A3"] = "填报单位：长青街道    统计时间：2020-05-20 15:00"  # as files exported before 2020年5月21日
        sheet["F6"] = "两个"
        sheet["F7"] = -1
        sheet.insert_rows(8)
        sheet["A8"] = "外星社区"

    with translation.override("en"), pytest.raises(DomainError) as exc:
        workbook_import.manual_cells_from_xlsx(submission=draft, data=_edited(cast, spoil), by=cast.street_officer)
    assert exc.value.code == "invalid_workbook"
    assert set(exc.value.fields) == {"A3", "F6", "F7", "A8"}
    assert "2020-05-20" in exc.value.fields["A3"][0] and "not a number" in exc.value.fields["F6"][0]
    assert "negative" in exc.value.fields["F7"][0] and "外星社区" in exc.value.fields["A8"][0]
    draft.refresh_from_db()
    assert draft.manual == {}


def test_a_wrong_chinese_day_in_the_workbook_is_named(cast, day_people):
    draft = _confirmed_draft(cast)

    def spoil(sheet):
        sheet["A3"] = sheet["A3"].value.replace("2020年5月21日", "2020年5月20日")
        sheet["F7"] = 1

    with pytest.raises(DomainError) as exc:
        workbook_import.manual_cells_from_xlsx(submission=draft, data=_edited(cast, spoil), by=cast.street_officer)
    assert set(exc.value.fields) == {"A3"} and "2020年5月20日" in exc.value.fields["A3"][0]


def test_a_file_that_is_not_a_workbook_is_refused(cast, day_people):
    with pytest.raises(DomainError) as exc:
        workbook_import.manual_cells_from_xlsx(submission=_confirmed_draft(cast), data=b"name,value\n", by=cast.street_officer)
    assert exc.value.code == "unreadable_file"


def test_a_submitted_report_takes_no_manual_cells(cast, day_people):
    draft = _confirmed_draft(cast)
    draft = services.submission_manual_set(submission=draft, values={cast.community_a.code: {"compounds": 0},
                                                                     cast.community_b.code: {"compounds": 1}},
                                           lock_version=None, by=cast.street_officer)
    submitted = services.submission_submit(submission=draft, by=cast.street_officer)
    data = _edited(cast, lambda sheet: sheet.__setitem__("F5", 0))
    with pytest.raises(DomainError) as exc:
        workbook_import.manual_cells_from_xlsx(submission=submitted, data=data, by=cast.street_officer)
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
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames[0] == HUBEI
    document = json.loads(client.get(f"/reports/day.json?unit={cast.street.code}&day=2020-05-21").content)
    assert len(document["dataValues"]) == _indicator_values_per_unit() * 3
    sheet_csv = client.get(f"/reports/s/{submission.pk}/export.csv")
    assert sheet_csv.status_code == 200 and sheet_csv["Content-Type"].startswith("text/csv")
    assert client.get(f"/reports/day.xlsx?unit={cast.street.code}&day=21.5.2020").status_code == 400

    data = _edited(cast, lambda sheet: sheet.__setitem__("F7", 1))
    upload = io.BytesIO(data)
    upload.name = "confirmed.xlsx"
    response = client.post(f"/reports/s/{submission.pk}/manual.xlsx", {"file": upload}, follow=True)
    assert response.status_code == 200
    submission.refresh_from_db()
    assert submission.manual == {cast.community_b.code: {"compounds": 1}}


def _names(response) -> tuple[str, str]:
    """The ASCII filename= and the UTF-8 filename*= of a download (RFC 6266, RFC 5987)."""
    header = response["Content-Disposition"]
    assert header.startswith("attachment; ")
    plain = re.search(r'filename="([^"]*)"', header)
    encoded = re.search(r"filename\*=UTF-8''([^;\s]+)", header)
    assert plain and encoded, header
    assert plain[1].isascii() and encoded[1].isascii()
    return plain[1], unquote(encoded[1])


def test_downloads_carry_a_chinese_name_and_an_ascii_fallback(cast, day_people, client_for):
    submission = _confirmed_draft(cast)
    client = client_for(cast.street_officer)
    xlsx = client.get(f"/reports/day.xlsx?unit={cast.street.code}&day=2020-05-21")
    assert _names(xlsx) == ("reports-431302004-2020-05-21.xlsx", "长青街道-2020年5月21日-报表.xlsx")
    assert xlsx["Content-Disposition"] == ("attachment; filename=\"reports-431302004-2020-05-21.xlsx\"; filename*=UTF-8''"
                                           + quote("长青街道-2020年5月21日-报表.xlsx"))
    sheet_csv = client.get(f"/reports/s/{submission.pk}/export.csv")
    assert _names(sheet_csv) == ("confirmed_daily-431302004-2020-05-21.csv", "长青街道-2020年5月21日-确诊病例及涉及小区情况日报.csv")
    document = client.get(f"/reports/day.json?unit={cast.street.code}&day=2020-05-21")
    assert _names(document) == ("dataValueSets-431302004-2020-05-21.json", "长青街道-2020年5月21日-DHIS2.json")


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


def test_a_day_no_form_applies_to_sends_the_workbook_back_to_that_day_and_the_json_says_why(cast, forms, client_for):
    client = client_for(cast.street_officer)
    xlsx = client.get(f"/reports/day.xlsx?unit={cast.street.code}&day=1999-01-04", follow=True)
    assert xlsx.redirect_chain == [("/reports/?day=1999-01-04", 302)]
    assert [str(m) for m in xlsx.context["messages"]] == ["长青街道在1999-01-04没有适用的报表。"]
    answer = client.get(f"/reports/day.json?unit={cast.street.code}&day=1999-01-04")
    assert answer.status_code == 404 and json.loads(answer.content)["code"] == "no_forms"
    assert client.get(f"/reports/day.json?unit={cast.street.code}&day=2020-02-30").status_code == 400
