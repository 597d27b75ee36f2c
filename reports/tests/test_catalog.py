"""The catalog of figures and the definitions in words: a definition is generated from the expression in Chinese
and English, every source describes its names, a version keeps the expression it was made with, the pages show the
definition to everyone and the expression to form managers only, a figure opens what it counts within the viewer's
scope, and several figures counted together give what each gives alone."""

import datetime as dt

import pytest
from django.utils import translation

from accounts.models import Membership, User
from accounts.roles import Role
from core.audit import AuditEntry
from core.errors import DomainError
from persons import services as people
from persons.models import Category, CategoryEpisode, CustomField, ManagementStatus
from persons.tests.conftest import resident_id
from reports import catalog, selectors, services
from reports.definitions import definition
from reports.engine import indicator_counts, indicators_counts, indicators_totals, window_for
from reports.expressions import parse
from reports.facts import Window, sources
from reports.models import Figure, Form, FormVersion

DAY = dt.date(2020, 5, 21)
TZ = dt.timezone(dt.timedelta(hours=8))


def _person(cast, seq, grid, categories=(), status=None, start=dt.datetime(2020, 5, 1, tzinfo=TZ)):
    person = people.person_register(data={"name": f"人{seq}", "doc_number": resident_id(seq=seq), "grid": grid.code},
                                    by=None)
    for code in categories:
        people.category_assign(person=person, category=Category.objects.get(code=code), start=start, by=None)
    if status:
        people.status_set(person=person, status=ManagementStatus.objects.get(code=status), start=start, by=None)
    return person


# -- definitions in words ------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_definition_reads_the_expression_in_chinese_and_english():
    expression = "count people where category in (hubei, wuhan) and status = home_quarantine"
    with translation.override("zh-hans"):
        assert definition(expression) == "类别为涉鄂人员或涉汉人员、且管理状态为居家隔离的人数"
        assert definition("count people where category in (hubei, wuhan) started in period") == (
            "本期内开始类别为涉鄂人员或涉汉人员的人数")
        assert definition("count people where category = confirmed ever") == "截至统计时点曾经类别为确诊病例的人数"
        assert definition("count people where category = abroad started since 2020-01-01") == (
            "自2020年1月1日起开始类别为境外人员的人数")
        assert definition("count people where category = hubei and not status in (released)") == (
            "类别为涉鄂人员、且管理状态不为解除管理（含无管理状态）的人数")
        assert definition("count people where category = hubei and (sex = F or age >= 60)") == (
            "类别为涉鄂人员、且（性别为女，或年龄（周岁）不小于60）的人数")
        assert definition("count cases where classification = confirmed") == "病例分类为确诊病例的病例数"
        assert "category" not in definition("count people where category = hubei")
    with translation.override("en"):
        assert definition(expression) == ("Number of people where the category is “arrived from Hubei” or “arrived "
                                          "from Wuhan” and the management status is “home quarantine”")
    assert "21" in definition("count people where (")  # an indicator that does not read: its mistake, placed


@pytest.mark.django_db
def test_every_source_describes_its_names_without_codes():
    """Each name of each source's vocabulary, with a value it takes, reads in Chinese without the name itself."""
    examples = {"people": "category = hubei", "cases": "classification = confirmed",
                "communities": "classification = confirmed", "staff": "entered = yes", "teams": "suspended = yes",
                "readings": "fever = yes", "alerts": "state = open", "incidents": "outcome = positive",
                "supplies": "kind = distribution", "volunteers": "kind = retiree", "civilised_units": "level = city",
                "publicity": "kind = booklets"}
    assert set(examples) == set(sources()), "a source without an example here"
    with translation.override("zh-hans"):
        for name, condition in examples.items():
            text = definition(f"count {name} where {condition}")
            field, value = condition.split(" = ")
            assert text and field not in text and value not in text, (name, text)
            assert text.endswith("数"), (name, text)


# -- the catalog and the forms -------------------------------------------------------------------------------------

def test_seeding_twice_changes_nothing_and_forms_name_figures(cast, forms):
    assert Figure.objects.count() > 50
    assert catalog.figures_seed() == 0 and services.forms_seed() == 0
    form1 = FormVersion.objects.get(form__code="hubei_wuhan_daily")
    managed = form1.column("managed")
    registered = Figure.objects.get(key="hubei_wuhan.registered")
    assert managed["figure"] == registered.key and managed["expression"] == registered.expression
    assert managed["label_zh"] == "登记在册" and registered.label_zh == "涉鄂涉汉人员·登记在册"


def test_a_version_keeps_the_expression_it_was_made_with(cast, forms):
    figure = Figure.objects.get(key="hubei_wuhan.registered")
    form = Form.objects.get(code="hubei_wuhan_daily")
    catalog.figure_save(figure=figure, data={"expression": "count people where category = hubei"},
                        by=cast.city_admin)
    version = FormVersion.objects.get(form=form)
    assert version.column("managed")["expression"] == "count people where category in (hubei, wuhan)"
    assert catalog.versions_counting_otherwise(figure, day=DAY) == [version]
    new = services.form_version_create(form=form, effective_from=dt.date(2020, 6, 1), columns=[
        {"key": "managed", "figure": "hubei_wuhan.registered"}], rules=[], note="口径调整", by=cast.city_admin)
    assert new.column("managed")["expression"] == "count people where category = hubei"
    assert catalog.versions_counting_otherwise(figure, day=dt.date(2020, 6, 2)) == []
    entry = AuditEntry.objects.filter(object_type="reports.figure").latest("id")
    assert entry.before["expression"] != entry.after["expression"]


def test_a_figure_is_refused_with_its_mistakes_named(cast, forms):
    figure = Figure.objects.get(key="hubei_wuhan.managed")
    with pytest.raises(DomainError) as caught:
        catalog.figure_save(figure=figure, data={"expression": "count people where category = nowhere",
                                                 "parts": ["hubei_wuhan.nothing"],
                                                 "label_zh": "涉鄂涉汉人员·登记在册"}, by=cast.city_admin)
    assert set(caught.value.fields) == {"expression", "parts", "label_zh"}
    with pytest.raises(DomainError) as caught:
        services.form_version_create(form=Form.objects.get(code="abroad_daily"), effective_from=dt.date(2020, 6, 1),
                                     columns=[{"key": "x", "figure": "no.such"}], rules=[], note="", by=None)
    assert "no.such" in str(caught.value.fields)


def test_figures_counted_together_equal_each_alone(cast, forms):
    _person(cast, 1, cast.grid_a, ["hubei", "wuhan"], "home_quarantine")
    _person(cast, 2, cast.grid_a, ["hubei"], "released")
    _person(cast, 3, cast.grid_b, ["close_contact"])
    _person(cast, 4, cast.grid_b, ["abroad", "planning_return"], start=dt.datetime(2020, 5, 21, 9, tzinfo=TZ))
    window, _due = window_for(Form.objects.get(code="hubei_wuhan_daily"), DAY)
    expressions = [f.expression for f in Figure.objects.filter(expression__startswith="count people")]
    together = indicators_counts(expressions, window=window, under=cast.street.path)
    alone = [indicator_counts(e, window=window, under=cast.street.path) for e in expressions]
    assert together == alone
    assert sum(together[expressions.index("count people where category in (hubei, wuhan)")].values()) == 2


def test_figures_totalled_in_the_database_equal_their_counts_summed(cast, forms):
    """A total is the sum of the counts per unit path, so a person whose counted episodes carry two units (one
    held before a move) counts under each, in the total as in the rows of a form."""
    moved = _person(cast, 1, cast.grid_a, ["hubei", "wuhan"], "home_quarantine")
    CategoryEpisode.objects.filter(person=moved, category__code="wuhan").update(unit_path=cast.grid_b.path)
    _person(cast, 2, cast.grid_a, ["hubei"], "released")
    _person(cast, 3, cast.grid_b, ["close_contact", "hubei"], "home_monitoring", start=dt.datetime(2020, 5, 21, 9,
                                                                                                       tzinfo=TZ))
    window, _due = window_for(Form.objects.get(code="hubei_wuhan_daily"), DAY)
    expressions = [f.expression for f in Figure.objects.filter(expression__startswith="count people")] + [
        "count people where category = hubei and sex = M", "count people where category in (hubei, wuhan) and age < 60",
        "count people where category = hubei and not status = released",
        "count people where category = close_contact and (sex = F or status = home_monitoring)"]
    counted = indicators_counts(expressions, window=window, under=cast.street.path)
    totals = indicators_totals(expressions, window=window, under=cast.street.path)
    assert totals == [sum(per_path.values()) for per_path in counted]
    assert totals[-4:] == [2, 4, 2, 1]  # each condition about the person met by some, not all
    # The figure's page gives the same number as the home page, and lists each person once.
    page = selectors.figure_count(user=cast.city_admin, figure=Figure.objects.get(key="hubei_wuhan.registered"),
                                  unit_code=cast.street.code, day=DAY)
    assert page.value == 4 and len(page.opened) == 3 and moved.pk in page.opened
    assert totals[expressions.index("count people where category in (hubei, wuhan)")] == 4  # 1 twice, 2, 3
    assert any(totals) and indicators_totals(expressions, window=window, under=cast.grid_b.path) == [
        sum(per_path.values()) for per_path in indicators_counts(expressions, window=window, under=cast.grid_b.path)]


def test_a_day_is_read_at_the_daily_forms_cut_off(cast, forms):
    assert catalog.day_window(DAY) == Window(cutoff=dt.datetime(2020, 5, 21, 15, tzinfo=TZ),
                                             period_start=dt.datetime(2020, 5, 20, 15, tzinfo=TZ))
    Form.objects.filter(period=Form.Period.DAILY).update(cutoff_minutes=24 * 60)
    assert catalog.day_window(DAY).cutoff == dt.datetime(2020, 5, 22, 0, tzinfo=TZ)


# -- the pages -----------------------------------------------------------------------------------------------------

def _compute(client, cast, code="hubei_wuhan_daily"):
    response = client.post(f"/reports/forms/{code}/compute/", {"unit": cast.street.code, "day": DAY.isoformat()})
    return response.url


def test_pages_show_the_definition_and_managers_the_expression(cast, forms, client_for):
    _person(cast, 1, cast.grid_a, ["hubei"], "home_quarantine")
    officer, manager = client_for(cast.street_officer), client_for(cast.city_admin)
    expression = "count people where category in (hubei, wuhan) and status = home_quarantine"
    words = "类别为涉鄂人员或涉汉人员、且管理状态为居家隔离的人数"
    url = _compute(officer, cast)
    for client, sees_expression in ((officer, False), (manager, True)):
        form_page = client.get(url).content.decode()
        assert 'data-figure="hubei_wuhan.home_quarantine"' in form_page and "涉鄂涉汉人员·居家隔离" in form_page
        assert words in form_page and f'title="涉鄂涉汉人员·居家隔离：{words}"' in form_page
        cell = client.get(url + f"cell/{cast.community_a.code}/home/").content.decode()
        versions = client.get("/reports/forms/hubei_wuhan_daily/versions/").content.decode()
        for page in (form_page, cell, versions):
            assert words in page
            assert (expression in page) is sees_expression
    preview = officer.get("/reports/indicator/", {"expression": expression, "unit": cast.street.code,
                                                  "day": DAY.isoformat()}).content.decode()
    assert words in preview


def test_the_versions_page_says_what_changed_in_words(cast, forms, client_for):
    CustomField.objects.create(key="nat_test", label="核酸检测", label_en="nucleic-acid test", type="choice",
                               choices=["阴性", "阳性", "未检测"])
    page = client_for(cast.street_officer).get("/reports/forms/overseas_returnee_daily/versions/").content.decode()
    diff = page.split("version-diff")[1]
    assert "新增栏目" in diff and "境外返娄人员·正在管理且已做核酸检测" in diff and "核酸检测为阴性或阳性" in diff
    assert "custom.nat_test" not in page


def test_a_figure_opens_what_it_counts_within_the_viewers_scope(cast, forms, client_for):
    _person(cast, 1, cast.grid_a, ["hubei"], "home_quarantine")
    _person(cast, 2, cast.grid_b, ["wuhan"], "home_quarantine")
    url = "/reports/figures/hubei_wuhan.managed/?unit={unit}&day=2020-05-21"
    street = client_for(cast.street_officer).get(url.format(unit=cast.street.code))
    assert street.status_code == 200 and street.context["value"] == 2 and len(street.context["members"]) == 2
    assert "类别为涉鄂人员或涉汉人员" in street.content.decode()
    grid_worker = client_for(cast.grid_a_worker)  # no reports, but the line list of grid A
    assert grid_worker.get(url.format(unit=cast.grid_a.code)).context["value"] == 1
    assert grid_worker.get(url.format(unit=cast.community_b.code)).status_code == 404
    assert grid_worker.get(url.format(unit=cast.street.code)).status_code == 404
    assert client_for(cast.street_officer).get("/reports/figures/no.such/").status_code == 404


def test_only_form_managers_change_figures(cast, forms, client_for):
    assert client_for(cast.street_officer).get("/reports/figures/hubei_wuhan.managed/edit/").status_code == 403
    manager = client_for(cast.city_admin)
    page = manager.get("/reports/figures/")
    assert page.status_code == 200 and "涉鄂涉汉人员·正在管理" in page.content.decode()
    response = manager.post("/reports/figures/hubei_wuhan.managed/edit/", {
        "label_zh": "涉鄂涉汉人员·正在管理", "label_en": "People from Hubei or Wuhan · under management measures",
        "short_zh": "正在管理", "short_en": "under measures", "expression": "count people where category = hubei and",
        "parts": "", "home": ""})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert Figure.objects.get(key="hubei_wuhan.managed").short_en == "under management measures"


def test_a_lawyer_reads_figures_but_no_people(cast, forms, client_for):
    lawyer = User.objects.create_user(username="lawyer12348", password="Test-password-2020")
    Membership.objects.create(user=lawyer, role=Role.LAWYER, unit=cast.street, unit_path=cast.street.path)
    _person(cast, 1, cast.grid_a, ["hubei"], "home_quarantine")
    page = client_for(lawyer).get(f"/reports/figures/hubei_wuhan.managed/?unit={cast.street.code}&day=2020-05-21")
    assert page.status_code == 200 and page.context["value"] == 1
    assert page.context["members"] == [] and page.context["hidden"] == 1  # counted, never named
    assert parse(Figure.objects.get(key="hubei_wuhan.managed").expression).source == "people"
