"""The report pages' other reads through the API, as the pages give them: the reviewer's queue of the officer's day,
who entered or left a cell's count (the cell's page), and one figure for a unit and a day (the figure's page)."""

import datetime as dt
import io
import json

import pytest
from openpyxl import load_workbook

from reports import services
from reports.models import Form
from reports.tests.test_exports import DAY, day_people, evening  # noqa: F401 (fixtures)

pytestmark = pytest.mark.usefixtures("day_people")


def _submitted(client, code: str, unit) -> dict:
    draft = client.post(f"/api/reports/forms/{code}/compute", data=json.dumps(
        {"unit": unit.code, "day": DAY.isoformat()}), content_type="application/json").json()
    return client.post(f"/api/reports/submissions/{draft['id']}/submit", data=json.dumps(
        {"lock_version": draft["lock_version"]}), content_type="application/json").json()


def test_a_reviewer_reads_the_queue_the_officers_day_shows(cast, client_for):
    report = _submitted(client_for(cast.street_officer), "hubei_wuhan_daily", cast.street)
    reviewer = client_for(cast.city_admin)

    queue = reviewer.get("/api/reports/review-queue", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    page = reviewer.get("/reports/", {"day": DAY.isoformat()}).context["review_queue"]

    assert queue["count"] == page.count == 1
    [waiting] = queue["items"]
    assert (waiting["submission_id"], waiting["unit"], waiting["submitted_by"]) == (report["id"], cast.street.code,
                                                                                    "贺英")
    assert queue["per_form"] == [{"form": "hubei_wuhan_daily", "form_name": report["form_name"], "count": 1}]


def test_a_unit_does_not_review_its_own_reports(cast, client_for):
    officer = client_for(cast.street_officer)
    _submitted(officer, "hubei_wuhan_daily", cast.street)
    assert officer.get("/api/reports/review-queue").json() == {"count": 0, "per_form": [], "items": []}


def test_who_entered_a_cell_since_the_previous_period_as_its_page(cast, client_for):
    yesterday = DAY - dt.timedelta(days=1)
    services.submission_compute(form=Form.objects.get(code="hubei_wuhan_daily"), unit=cast.street,
                                day=yesterday, by=cast.street_officer)
    officer = client_for(cast.street_officer)
    report = officer.post("/api/reports/forms/hubei_wuhan_daily/compute", data=json.dumps(
        {"unit": cast.street.code, "day": DAY.isoformat()}), content_type="application/json").json()
    url = f"/api/reports/submissions/{report['id']}/cells/__total__/managed/moves"

    moves = officer.get(url).json()
    page = officer.get(f"/reports/s/{report['id']}/cell/__total__/managed/").context

    assert [m["id"] for m in moves["entered"]] == [row["id"] if row else None for row, _r in page["entered"]]
    assert moves["entered"] and moves["left"] == [] and moves["criteria_changed"] is False
    assert client_for(cast.community_b_worker).get(url).status_code == 404


def test_a_figure_for_a_unit_and_a_day_counts_as_its_page(cast, client_for):
    url = "/api/reports/figures/hubei_wuhan.managed"
    query = {"unit": cast.street.code, "day": DAY.isoformat()}
    officer = client_for(cast.street_officer)

    figure = officer.get(url, query, HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    page = officer.get("/reports/figures/hubei_wuhan.managed/", query).context

    assert figure["value"] == page["value"] == 3 and figure["hidden"] == page["hidden"]
    assert sorted(figure["ids"]) == sorted(m["id"] for m in page["members"])
    assert [(p["key"], p["value"]) for p in figure["parts"]] == [(p.key, v) for p, v in page["parts"]]
    assert figure["label"] == "涉鄂涉汉人员·正在管理" and figure["unit"] == cast.street.code


def test_a_figure_of_another_street_or_no_such_figure_is_not_found(cast, client_for):
    worker = client_for(cast.community_b_worker)
    assert worker.get("/api/reports/figures/hubei_wuhan.managed", {"unit": cast.street.code}).status_code == 404
    assert worker.get("/api/reports/figures/no.such").status_code == 404


def test_the_report_files_download_as_from_the_pages(cast, client_for):
    officer = client_for(cast.street_officer)
    report = officer.post("/api/reports/forms/confirmed_daily/compute", data=json.dumps(
        {"unit": cast.street.code, "day": DAY.isoformat()}), content_type="application/json").json()
    query = {"unit": cast.street.code, "day": DAY.isoformat()}

    api_csv, page_csv = (officer.get(f"{base}/{report['id']}/export.csv") for base in (
        "/api/reports/submissions", "/reports/s"))
    api_xlsx, page_xlsx = officer.get("/api/reports/day.xlsx", query), officer.get("/reports/day.xlsx", query)

    assert api_csv.status_code == 200 and api_csv.content == page_csv.content
    assert api_csv["Content-Disposition"] == page_csv["Content-Disposition"]
    assert api_csv["Content-Type"] == page_csv["Content-Type"]
    assert api_xlsx.status_code == 200 and api_xlsx["Content-Disposition"] == page_xlsx["Content-Disposition"]
    assert load_workbook(io.BytesIO(api_xlsx.content)).sheetnames == load_workbook(
        io.BytesIO(page_xlsx.content)).sheetnames


def test_the_report_files_of_another_street_are_not_found(cast, client_for):
    report = client_for(cast.street_officer).post("/api/reports/forms/confirmed_daily/compute", data=json.dumps(
        {"unit": cast.street.code, "day": DAY.isoformat()}), content_type="application/json").json()
    other = client_for(cast.other_street_officer)
    assert other.get(f"/api/reports/submissions/{report['id']}/export.csv").status_code == 404
    assert other.get("/api/reports/day.xlsx", {"unit": cast.street.code}).status_code == 404
