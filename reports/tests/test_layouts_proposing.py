"""Each indicator of a county's template gets a proposal: the catalog figure that counts what its title says, an
indicator built from its words when no figure does, or a column typed by hand; with the reason in words, and the
active form that already reports it."""

from django.utils import translation

from reports.layouts.proposing import FIGURE, INDICATOR, MANUAL, proposals_make
from reports.layouts.reading import layouts_read
from reports.models import Figure
from reports.tests import county_templates


def _proposed(content: bytes, forms=None) -> dict[str, tuple]:
    (layout,) = layouts_read(content, name="模板.xlsx")
    figures = list(Figure.objects.values_list("key", "expression"))
    reported = []
    for form in (forms or {}).values():
        columns = form.versions.order_by("-effective_from").first().columns
        reported += [(form.name_zh, n, c["expression"]) for n, c in enumerate(columns, start=1)]
    with translation.override("zh-hans"):
        proposals = proposals_make(layout, figures=figures, reported=reported)
    return {p.label: (p.kind, p.figure or p.expression, p.reason, p.same_as) for p in proposals}


def test_merged_columns_and_their_parts_find_their_figures_and_the_rest_become_indicators(forms):
    proposed = _proposed(county_templates.merged_rows())
    assert proposed["涉鄂涉汉人员总数"][:2] == (FIGURE, "hubei_wuhan.registered")
    assert proposed["居家隔离"][:2] == (FIGURE, "hubei_wuhan.home_quarantine")  # the category is its parent's
    assert proposed["集中隔离"][:2] == (FIGURE, "hubei_wuhan.central_quarantine")
    assert proposed["今日新增 / 湖北来娄"][:2] == (INDICATOR, "count people where category = hubei started in period")
    assert proposed["今日新增 / 武汉来娄"][:2] == (INDICATOR, "count people where category = wuhan started in period")
    reason = proposed["居家隔离"][2]
    assert "“居家隔离”" in reason and "上" in reason  # the status read, and the category taken from above
    assert "“今日新增”" in proposed["今日新增 / 湖北来娄"][2]


def test_indicators_down_the_side_take_the_population_from_the_sheet_title(forms):
    proposed = _proposed(county_templates.units_across())
    assert proposed["密切接触者总数"][:2] == (FIGURE, "close_contact.registered")
    assert proposed["居家隔离"][:2] == (FIGURE, "close_contact.home_quarantine")
    assert proposed["今日新增密接"][:2] == (FIGURE, "close_contact.new")
    assert proposed["今日解除隔离"][:2] == (FIGURE, "close_contact.released_today")


def test_a_title_naming_nothing_known_is_a_column_typed_by_hand(forms):
    proposed = _proposed(county_templates.blank_lines())
    assert proposed["排查户数"][0] == MANUAL and proposed["排查人数"][0] == MANUAL
    assert proposed["发热人数"][:2] == (FIGURE, "fever.registered")
    assert proposed["已送医"][:2] == (INDICATOR, "count people where category = fever and status = hospital")


def test_a_column_another_active_form_reports_is_flagged_with_the_form_and_its_column(forms):
    proposed = _proposed(county_templates.merged_rows(), forms)
    hubei = forms["hubei_wuhan_daily"]
    columns = hubei.versions.order_by("-effective_from").first().columns
    number = 1 + next(i for i, c in enumerate(columns) if c.get("figure") == "hubei_wuhan.home_quarantine")
    assert proposed["居家隔离"][3] == f"与《{hubei.name_zh}》第 {number} 列相同"
    assert proposed["今日新增 / 湖北来娄"][3] == ""


def test_a_guided_indicator_is_built_from_lists_and_read_back_into_them(cast):
    from persons.models import CustomField
    from reports.engine import expression_check
    from reports.layouts.proposing import guided_expression, guided_parts

    CustomField.objects.create(key="nat", label="核酸结果", type="text")
    expression = guided_expression(categories=["hubei", "wuhan"], statuses=["home_quarantine"],
                                   when="started_in_period", custom="nat", custom_value='阴"性')
    assert expression == ('count people where category in (hubei, wuhan) and status = home_quarantine started in '
                          'period and custom.nat = "阴性"')
    expression_check(expression)  # it counts
    assert guided_parts(expression) == {"categories": ["hubei", "wuhan"], "statuses": ["home_quarantine"],
                                        "when": "started_in_period", "custom": "nat", "custom_value": "阴性"}
    assert guided_expression(categories=[], statuses=[], when="now") == ""
    assert guided_parts("count people where age >= 60") is None  # not for the lists: typed by a form manager
