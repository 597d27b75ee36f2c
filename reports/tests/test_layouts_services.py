"""A county's template through its life: uploaded and understood, corrected, made into the street's own form from a
date (its units only), and the day's report written out in it; every step audited."""

import io

import openpyxl
import pytest

from core.errors import DomainError
from core.models import AuditEntry
from reports import board
from reports.layouts import services
from reports.layouts.proposing import FIGURE, INDICATOR, MANUAL
from reports.layouts.reading import INDICATORS_ACROSS, UNITS_ACROSS
from reports.models import Form
from reports.tests import county_templates
from reports.tests.conftest import DAY, at, register


@pytest.fixture
def template(cast, forms):
    return services.template_upload(content=county_templates.merged_rows(), name="县指挥部模板.xlsx", unit=cast.street,
                                    by=cast.street_officer)


def _kinds(template, sheet):
    return [(p["label"], p["kind"]) for p in template.proposals[sheet]]


def test_an_uploaded_template_is_kept_with_what_was_understood_and_audited(cast, template):
    assert template.unit == cast.street and len(template.digest) == 64
    assert [layout["sheet"] for layout in template.layouts] == ["涉鄂涉汉日报"]
    assert _kinds(template, "涉鄂涉汉日报")[:2] == [("涉鄂涉汉人员总数", FIGURE), ("居家隔离", FIGURE)]
    assert template.file.read().startswith(b"PK")
    assert AuditEntry.objects.filter(object_type="reports.reporttemplate", action="create").count() == 1


def test_a_sheet_read_again_with_the_header_and_direction_the_officer_gives(cast, template):
    template = services.template_sheet_reread(template=template, sheet="涉鄂涉汉日报", header=(4, 4),
                                              across=INDICATORS_ACROSS, by=cast.street_officer)
    layout = services.template_layout(template, "涉鄂涉汉日报")
    assert layout.header == (4, 4)  # the merged titles still read; 其中 above is no longer seen
    assert [(s.label, s.part_of) for s in layout.indicators][:3] == [("涉鄂涉汉人员总数", None), ("居家隔离", None),
                                                                     ("集中隔离", None)]
    with pytest.raises(DomainError) as wrong:
        services.template_sheet_reread(template=template, sheet="涉鄂涉汉日报", header=(5, 3), across=UNITS_ACROSS,
                                       by=cast.street_officer)
    assert wrong.value.code == "invalid_header"


def test_a_choice_that_cannot_count_is_refused_on_its_line_and_nothing_changes(cast, template):
    before = template.proposals
    with pytest.raises(DomainError) as refused:
        services.template_choices_save(template=template, sheet="涉鄂涉汉日报", choices={
            3: {"kind": MANUAL}, 6: {"kind": INDICATOR, "expression": "count people where colour = red"}},
            by=cast.street_officer)
    assert set(refused.value.fields) == {"c6"}
    template.refresh_from_db()
    assert template.proposals == before


def test_the_template_becomes_the_streets_own_form_which_other_streets_do_not_report(cast, template):
    services.template_choices_save(template=template, sheet="涉鄂涉汉日报", choices={7: {"kind": MANUAL}},
                                   by=cast.street_officer)
    version = services.template_form_make(template=template, sheet="涉鄂涉汉日报", form=None, effective_from=DAY,
                                          by=cast.street_officer)
    form = version.form
    assert form.owner == cast.street and form.name_zh == "长青街道涉鄂涉汉人员管理情况日报表"
    assert version.template == template and version.template_sheet == "涉鄂涉汉日报"
    assert [(c["template"], c["kind"], c.get("figure", "")) for c in version.columns] == [
        (3, "indicator", "hubei_wuhan.registered"), (4, "indicator", "hubei_wuhan.home_quarantine"),
        (5, "indicator", "hubei_wuhan.central_quarantine"), (6, "indicator", ""), (7, "manual", "")]
    assert form in Form.objects.for_unit(cast.community_a) and form not in Form.objects.for_unit(cast.other_street)
    assert board.submits(form, cast.street) and not board.submits(form, cast.other_street)


def test_a_form_everyone_reports_gets_a_version_from_a_template_only_from_a_form_manager(cast, template, forms):
    hubei = forms["hubei_wuhan_daily"]
    with pytest.raises(DomainError) as refused:
        services.template_form_make(template=template, sheet="涉鄂涉汉日报", form=hubei, effective_from=DAY,
                                    by=cast.street_officer)
    assert refused.value.code == "not_allowed"
    version = services.template_form_make(template=template, sheet="涉鄂涉汉日报", form=hubei, effective_from=DAY,
                                          by=cast.city_admin)
    keys = {c["template"]: c["key"] for c in version.columns}
    assert keys[4] == "home" and keys[5] == "central" and keys[6] == "t6"  # the old keys kept where they count alike


def test_the_days_report_is_written_in_the_template_and_says_it_is_not_submitted(cast, template):
    register(cast, 1, cast.grid_b, "hubei", at(DAY, 10), "home_quarantine")
    register(cast, 2, cast.grid_b, "wuhan", at(DAY, 9), "central_quarantine")
    services.template_form_make(template=template, sheet="涉鄂涉汉日报", form=None, effective_from=DAY,
                                by=cast.street_officer)
    data = services.template_workbook(template=template, unit=cast.street, day=DAY, user=cast.street_officer)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet["A1"].value == "长青街道涉鄂涉汉人员管理情况日报表（未计算，未上报）"
    assert [sheet.cell(7, c).value for c in range(2, 8)] == ["月塘社区", 2, 1, 1, 1, 1]  # 月塘社区's line
    assert [sheet.cell(5, c).value for c in range(3, 8)] == [2, 1, 1, 1, 1]  # 合计
    assert sheet["A2"].value == "填报单位：长青街道    填报日期：2020年5月21日"
    assert AuditEntry.objects.filter(object_type="reports.reporttemplate", action="export").count() == 1


def test_the_streets_own_form_is_due_for_the_street_only(cast, template):
    from reports.selectors import reports_due

    version = services.template_form_make(template=template, sheet="涉鄂涉汉日报", form=None, effective_from=DAY,
                                          by=cast.street_officer)
    assert version.form in [r.form for r in reports_due(cast.street_officer, day=DAY)]
    assert version.form not in [r.form for r in reports_due(cast.other_street_officer, day=DAY)]


def test_a_workbook_of_two_reports_becomes_two_forms_written_back_into_one_copy(cast, forms):
    register(cast, 1, cast.grid_b, "fever", at(DAY, 10), "hospital")
    template = services.template_upload(content=county_templates.two_forms(), name="两张表.xlsx", unit=cast.street,
                                        by=cast.street_officer)
    assert [layout["sheet"] for layout in template.layouts] == ["涉鄂涉汉日报", "发热排查"]  # not the cover sheet
    for sheet in ("涉鄂涉汉日报", "发热排查"):
        services.template_form_make(template=template, sheet=sheet, form=None, effective_from=DAY,
                                    by=cast.street_officer)
    book = openpyxl.load_workbook(io.BytesIO(services.template_workbook(template=template, unit=cast.street, day=DAY,
                                                                       user=cast.street_officer)))
    assert book.sheetnames == ["填报说明", "涉鄂涉汉日报", "发热排查"]
    fevers = book["发热排查"]
    assert [fevers.cell(r, 2).value for r in (4, 5)] == ["三元社区", "月塘社区"]  # the street's communities
    assert [fevers.cell(5, c).value for c in (5, 6)] == [1, 1]  # 发热人数 and 其中：已送医 of 月塘社区
    assert book["涉鄂涉汉日报"]["A2"].value.startswith("填报单位：长青街道")


def test_the_streets_own_form_is_not_shown_to_another_street(cast, template, client_for):
    services.template_choices_save(template=template, sheet="涉鄂涉汉日报", choices={7: {"kind": MANUAL}},
                                   by=cast.street_officer)
    form = services.template_form_make(template=template, sheet="涉鄂涉汉日报", form=None, effective_from=DAY,
                                       by=cast.street_officer).form
    own, other = client_for(cast.community_a_worker), client_for(cast.other_street_officer)
    assert form.name_zh in own.get("/reports/forms/").content.decode()
    assert form.name_zh not in other.get("/reports/forms/").content.decode()
    assert form.code in [f["code"] for f in own.get("/api/reports/forms").json()]
    assert form.code not in [f["code"] for f in other.get("/api/reports/forms").json()]
    assert own.get(f"/reports/forms/{form.code}/versions/").status_code == 200
    for path in (f"/reports/forms/{form.code}/versions/", f"/api/reports/forms/{form.code}/versions"):
        assert other.get(path).status_code == 404
    refused = other.post(f"/api/reports/forms/{form.code}/compute",
                         {"unit": cast.other_street.code, "day": DAY.isoformat()}, content_type="application/json")
    assert refused.status_code == 404 and form.name_zh not in refused.content.decode()
    assert form.code in [f["code"] for f in client_for(cast.city_admin).get("/api/reports/forms").json()]
