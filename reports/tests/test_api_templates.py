"""A county's template through the API as the street officer uses its pages: upload, correct what was understood,
make the street's form, read the jump, download the day in the county's layout; the same services, the same audit,
and nobody outside the street gets in."""

import io
from urllib.parse import quote

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import AuditEntry
from reports.layouts.opening import TEMPLATE_MAX_BYTES
from reports.models import Form, ReportTemplate
from reports.tests import county_templates
from reports.tests.conftest import DAY, at, register

SHEET = "涉鄂涉汉日报"


def _upload(client, content: bytes, **fields):
    return client.post("/api/reports/templates", {"file": SimpleUploadedFile("县里模板.xlsx", content), **fields})


def _sheet_url(template_id: int, part: str) -> str:
    return f"/api/reports/templates/{template_id}/sheets/{quote(SHEET)}/{part}"


def _json(client, method: str, url: str, body, **extra):
    return getattr(client, method)(url, body, content_type="application/json", **extra)


def test_the_officer_uploads_corrects_makes_the_form_reads_the_jump_and_downloads_the_day(cast, forms, client_for):
    register(cast, 1, cast.grid_b, "hubei", at(DAY, 10), "home_quarantine")
    register(cast, 2, cast.grid_b, "wuhan", at(DAY, 9), "central_quarantine")
    officer = client_for(cast.street_officer)
    response = _upload(officer, county_templates.merged_rows())
    assert response.status_code == 201, response.content
    made = response.json()
    template = ReportTemplate.objects.get()
    assert made["id"] == template.pk and made["unit"] == cast.street.code and made["name"] == "县里模板.xlsx"
    sheet = made["sheets"][0]
    assert sheet["sheet"] == SHEET and sheet["layout"]["header"] == [3, 4] and sheet["versions"] == []
    assert [(p["label"], p["kind"]) for p in sheet["proposals"]][:2] == [("涉鄂涉汉人员总数", "figure"),
                                                                          ("居家隔离", "figure")]
    assert AuditEntry.objects.filter(object_type="reports.reporttemplate", action="create").count() == 1
    assert [t["id"] for t in officer.get("/api/reports/templates").json()] == [template.pk]

    response = _json(officer, "put", _sheet_url(template.pk, "columns"), [{"index": 7, "kind": "manual"}])
    assert response.status_code == 200, response.content
    assert [(p["index"], p["kind"]) for p in response.json()["sheets"][0]["proposals"]][-1] == (7, "manual")

    response = _json(officer, "post", _sheet_url(template.pk, "forms"), {"effective_from": DAY.isoformat()})
    assert response.status_code == 201, response.content
    form = Form.objects.get(code=response.json()["form"])
    version = form.versions.get()
    assert response.json() == {"form": form.code, "version_id": version.pk, "effective_from": DAY.isoformat()}
    assert form.owner == cast.street and version.template == template and version.template_sheet == SHEET
    assert officer.get(f"/api/reports/templates/{template.pk}").json()["sheets"][0]["versions"] == [
        {"form": form.code, "version_id": version.pk, "effective_from": DAY.isoformat()}]

    jump = officer.get(f"/api/reports/forms/{form.code}/versions/{version.pk}/jump?unit={cast.street.code}").json()
    assert jump["day"] == "2020-05-20"  # the day before the version starts, as its page
    assert [(c["key"], c["state"]) for c in jump["columns"]] == [(c["key"], "new") for c in version.columns]
    assert all(len(c["days"]) == 14 and c["days"][0]["before"] is None for c in jump["columns"] if c["days"])

    response = officer.get(f"/api/reports/templates/{template.pk}/day.xlsx?day={DAY}")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [book.cell(7, c).value for c in range(2, 7)] == ["月塘社区", 2, 1, 1, 1]  # 月塘社区's line
    assert [book.cell(5, c).value for c in range(3, 7)] == [2, 1, 1, 1]  # 合计
    assert AuditEntry.objects.filter(object_type="reports.reporttemplate", action="export").count() == 1


def test_a_sheet_read_again_through_the_api_takes_the_header_given_and_names_a_wrong_one(cast, forms, client_for):
    officer = client_for(cast.street_officer)
    template_id = _upload(officer, county_templates.merged_rows()).json()["id"]
    response = _json(officer, "post", _sheet_url(template_id, "read"),
                     {"header_first": 4, "header_last": 4, "across": "indicators"})
    assert response.status_code == 200 and response.json()["sheets"][0]["layout"]["header"] == [4, 4]
    response = _json(officer, "post", _sheet_url(template_id, "read"),
                     {"header_first": 5, "header_last": 3, "across": "indicators"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400 and list(response.json()["fields"]) == ["header_last"]


def test_a_column_that_cannot_count_is_named_beside_its_field_and_nothing_is_saved(cast, forms, client_for):
    officer = client_for(cast.street_officer)
    template_id = _upload(officer, county_templates.merged_rows()).json()["id"]
    before = ReportTemplate.objects.get().proposals
    response = _json(officer, "put", _sheet_url(template_id, "columns"), [
        {"index": 3, "kind": "manual"}, {"index": 6, "kind": "indicator", "expression": "count people where colour = red"},
        {"index": 99, "kind": "manual"}], HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    error = response.json()
    assert set(error["fields"]) == {"c6", "c99"} and "99" in error["fields"]["c99"][0]
    assert all("\u4e00" <= ch <= "\u9fff" for ch in error["message"][:2])  # said in Chinese
    assert ReportTemplate.objects.get().proposals == before


def test_a_form_the_template_may_not_version_is_answered_as_missing(cast, forms, client_for):
    officer = client_for(cast.street_officer)
    template_id = _upload(officer, county_templates.merged_rows()).json()["id"]
    for code in ("hubei_wuhan_daily", "no_such_form"):  # everyone's form: only a form manager may version it
        response = _json(officer, "post", _sheet_url(template_id, "forms"), {"form": code, "effective_from": str(DAY)})
        assert response.status_code == 404
    assert not forms["hubei_wuhan_daily"].versions.filter(template__isnull=False).exists()


def test_a_file_too_large_for_a_template_is_refused_before_it_is_read(cast, client_for):
    response = _upload(client_for(cast.street_officer), b"0" * (TEMPLATE_MAX_BYTES + 1))
    assert response.status_code == 400 and response.json()["code"] == "template_too_large"
    assert "file" in response.json()["fields"] and not ReportTemplate.objects.exists()


def test_another_streets_officer_and_a_grid_worker_cannot_reach_the_template(cast, forms, client_for):
    officer = client_for(cast.street_officer)
    template_id = _upload(officer, county_templates.merged_rows()).json()["id"]
    _json(officer, "post", _sheet_url(template_id, "forms"), {"effective_from": str(DAY)})
    other = client_for(cast.other_street_officer)
    assert other.get(f"/api/reports/templates/{template_id}").status_code == 404
    assert other.get(f"/api/reports/templates/{template_id}/day.xlsx?day={DAY}").status_code == 404
    assert _json(other, "post", _sheet_url(template_id, "read"),
                 {"header_first": 4, "header_last": 4, "across": "indicators"}).status_code == 404
    assert _json(other, "put", _sheet_url(template_id, "columns"), [{"index": 7, "kind": "manual"}]).status_code == 404
    assert _json(other, "post", _sheet_url(template_id, "forms"), {"effective_from": str(DAY)}).status_code == 404
    assert other.get("/api/reports/templates").json() == []
    assert _upload(other, county_templates.merged_rows(), unit=cast.street.code).status_code == 404
    grid = client_for(cast.grid_a_worker)
    assert grid.get("/api/reports/templates").status_code == 403
    assert grid.get(f"/api/reports/templates/{template_id}").status_code == 404
    assert ReportTemplate.objects.count() == 1 and Form.objects.filter(owner=cast.street).count() == 1
