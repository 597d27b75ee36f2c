"""The template's pages as the street officer uses them: upload, check and correct what was understood, make the
form, see how its numbers compare, download the day in the county's layout; nobody outside the street gets in."""

import io

import openpyxl

from reports.models import ReportTemplate
from reports.tests import county_templates
from reports.tests.conftest import DAY, at, register


def _upload(client, content: bytes, name="县里模板.xlsx"):
    return client.post("/reports/templates/", {"file": _file(content, name)})


def _file(content: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/vnd.openxmlformats-officedocument"
                                                          ".spreadsheetml.sheet")


def test_the_officer_uploads_corrects_makes_the_form_and_downloads_the_day(cast, forms, client_for):
    register(cast, 1, cast.grid_b, "hubei", at(DAY, 10), "home_quarantine")
    officer = client_for(cast.street_officer)
    response = _upload(officer, county_templates.merged_rows())
    template = ReportTemplate.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/templates/{template.pk}/"
    page = officer.get(response["Location"]).content.decode()
    assert "涉鄂涉汉人员总数" in page and "“居家隔离”" in page and "与《" in page
    response = officer.post(f"/reports/templates/{template.pk}/", {
        "part": "columns", "sheet": "涉鄂涉汉日报",
        **{f"c{i}_label": label for i, label in [(3, "涉鄂涉汉人员总数"), (4, "居家隔离"), (5, "集中隔离"),
                                                  (6, "湖北来娄"), (7, "武汉来娄")]},
        "c3_kind": "figure", "c3_figure": "hubei_wuhan.registered", "c4_kind": "figure",
        "c4_figure": "hubei_wuhan.home_quarantine", "c5_kind": "figure", "c5_figure": "hubei_wuhan.central_quarantine",
        "c6_kind": "indicator", "c6_categories": ["hubei"], "c6_when": "started_in_period",
        "c7_kind": "manual", "c3_when": "now", "c4_when": "now", "c5_when": "now", "c7_when": "now"})
    assert response.status_code == 302
    template.refresh_from_db()
    assert [(p["label"], p["kind"]) for p in template.proposals["涉鄂涉汉日报"]][3:] == [("湖北来娄", "indicator"),
                                                                                        ("武汉来娄", "manual")]
    response = officer.post(f"/reports/templates/{template.pk}/", {
        "part": "make", "sheet": "涉鄂涉汉日报", "target": "", "name": "长青街道涉鄂涉汉日报", "effective_from": DAY})
    assert response.status_code == 302 and "/jump/" in response["Location"]
    jump = officer.get(response["Location"]).content.decode()
    assert "湖北来娄" in jump and "jump-new" in jump
    response = officer.get(f"/reports/templates/{template.pk}/day.xlsx?day={DAY}")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [sheet.cell(7, c).value for c in range(2, 7)] == ["月塘社区", 1, 1, 0, 1]


def test_a_file_that_is_no_template_is_refused_on_the_page_saying_why(cast, client_for):
    response = _upload(client_for(cast.street_officer), county_templates.prose())
    assert response.status_code == 200 and ReportTemplate.objects.count() == 0
    assert "No report table was found" in response.content.decode() or "没有找到报表" in response.content.decode()


def test_another_streets_officer_and_a_grid_worker_cannot_reach_the_template(cast, forms, client_for):
    _upload(client_for(cast.street_officer), county_templates.merged_rows())
    template = ReportTemplate.objects.get()
    other = client_for(cast.other_street_officer)
    assert other.get(f"/reports/templates/{template.pk}/").status_code == 404
    assert other.get(f"/reports/templates/{template.pk}/day.xlsx?day={DAY}").status_code == 404
    assert "县里模板.xlsx" not in other.get("/reports/templates/").content.decode()
    assert client_for(cast.grid_a_worker).get("/reports/templates/").status_code == 403
