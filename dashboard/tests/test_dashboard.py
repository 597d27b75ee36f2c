"""The situation dashboard: its figures are the underlying counts, each opens a list of as many rows, and
a user sees only the subtree their roles cover."""

import dataclasses
import datetime as dt
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accounts.models import Membership, User
from accounts.roles import Role
from dashboard.charts import Chart
from dashboard.figures import ShownFigure
from dashboard.selectors import Figure
from dashboard.tests.conftest import TODAY
from persons import services as persons_services
from persons.models import CategoryEpisode, Person, StatusEpisode
from persons.selectors import open_at
from reports.catalog import day_window
from tracing.models import Case, FollowUp

YESTERDAY = TODAY - dt.timedelta(days=1)


def _page(client, query: str = ""):
    response = client.get("/" + query)
    assert response.status_code == 200
    return response.context["dashboard"]


def _figures(dashboard) -> list[Figure]:
    """Every figure on the page, the bars of its charts included (a bar is a figure of its day)."""
    found = []
    for name in dashboard.shown:
        section = getattr(dashboard, name)
        for f in dataclasses.fields(section):
            value = getattr(section, f.name)
            values = value if isinstance(value, list) else [value]
            for v in values:
                if isinstance(v, Figure):
                    found.append(v)
                elif isinstance(v, ShownFigure):  # a figure of the catalog, and the parts shown under it
                    found += [v, *v.parts]
                elif isinstance(v, Chart):
                    found += [Figure(f"{v.key}.{m.day}", "", m.value, m.url) for m in v.marks if m.url]
    return found


def _by_key(dashboard) -> dict[str, Figure]:
    return {f.key: f for f in _figures(dashboard)}


def _listed(client, figure: Figure) -> int:
    """How many rows the list behind `figure` shows (the fixture's lists fit on one page)."""
    response = client.get(figure.url)
    assert response.status_code == 200, figure
    view, ctx = response.resolver_match.view_name, response.context
    params = parse_qs(urlsplit(figure.url).query)
    if view == "reports:figure":  # a figure of the catalog: what it counts, those outside the viewer's area counted
        assert not ctx["page"].has_other_pages(), figure
        return len(ctx["members"]) + ctx["hidden"]
    if view in ("persons:list", "tracing:case_list", "tracing:tasks", "supplies:requests"):
        assert ctx["page"].next_cursor is None, figure
        return len(ctx["page"].items)
    if view == "tracing:follow_ups":
        return len(ctx["follow_ups"])
    if view == "tracing:stays":  # one community: the people who stayed there
        return len({p for d in ctx["days"] for c in d["communities"] for p in c["people"]})
    if view == "checkpoints:index":
        return len(ctx["alerts"]) if "day" in params else len(ctx["incidents"])
    if view == "reports:board":
        return ctx["board"].counts[figure.key.split(".", 1)[1]]
    if view == "persons:fevers":
        return len({c.person_id for c in ctx["checks"]})
    raise AssertionError(f"no list known for {figure.url}")


# -- the figures are the counts ---------------------------------------------------------------------------------

def test_street_figures_equal_the_underlying_counts(city, cast, client_for, django_assert_max_num_queries):
    reached = FollowUp.objects.filter(state="active").order_by("pk").first().person  # seen today, well
    persons_services.health_check_record(person=reached, temperature="36.5", result="well", by=cast.grid_a_worker)
    client = client_for(cast.street_officer)
    with django_assert_max_num_queries(60):
        dashboard = _page(client)
    assert dashboard.unit == cast.street and dashboard.day == TODAY
    assert dashboard.shown == ["people", "tracing", "checkpoints", "reports", "supplies"]
    f = _by_key(dashboard)
    street = cast.street.path

    def holding(**episode):
        return Person.objects.filter(unit_path__startswith=street, category_episodes__end__isnull=True,
                                     **{f"category_episodes__category__{k}": v for k, v in episode.items()}
                                     ).distinct().count()

    # 张一, 张二, 李一 (张四 left on 10 May): the figures of form (1), under its labels
    assert f["hubei_wuhan.registered"].value == holding(code__in=["hubei", "wuhan"]) == 3
    assert f["hubei_wuhan.registered"].label == "涉鄂涉汉人员·登记在册"
    assert f["hubei_wuhan.managed"].value == 3 and f["abroad_planning.total"].value == 1
    assert f["close_contact.registered"].value == holding(code="close_contact") == 2
    assert f["people.home_quarantine"].value == StatusEpisode.objects.filter(
        unit_path__startswith=street, end__isnull=True, status__code="home_quarantine").count() == 3
    assert f["people.released"].value == 2  # 张四 and 李二
    assert f["people.managed"].value == 3 and f["people.managed"].label == "全部人员·正在管理"
    assert [p.key for p in f["people.managed"].parts] == [
        "people.home_quarantine", "people.central_quarantine", "people.home_monitoring", "people.hospital"]
    assert sum(p.value for p in f["people.managed"].parts) == 3
    arrived = {e.person_id for e in CategoryEpisode.objects.filter(start__date=TODAY, continued=False)}
    assert f["people.new"].value == len(arrived) == 5  # 张二, 李一, 张一 (confirmed), the contacts 王五 and 赵六
    assert f["hubei_wuhan.new"].value == 2 and f["close_contact.new"].value == 2 and f["confirmed.new"].value == 1

    assert f["cases.confirmed"].value == Case.objects.filter(classification="confirmed").count() == 1
    assert f["cases.confirmed"].label == "流调病例·确诊" and f["confirmed.registered"].label == "确诊病例·登记在册"
    assert f["confirmed.compounds"].value == 1 and f[f"stayed.{cast.community_a.code}"].value == 1
    assert f["follow_ups.active"].value == FollowUp.objects.filter(state="active").count() == 2
    assert f["follow_ups.unseen"].value == 1 and f["follow_ups.seen"].value == 1
    assert [_listed(client, f[key]) for key in ("follow_ups.unseen", "follow_ups.seen")] == [1, 1]
    assert f["tasks.pending"].value == 1 and f["tasks.overdue"].value == 1

    assert f["alerts"].value == 2 and f["alerts.open"].value == 2 and f["incidents"].value == 0
    assert f[f"alerts.{TODAY}"].value == 2 and f[f"alerts.{YESTERDAY}"].value == 0

    assert sum(fig.value for k, fig in f.items() if k.startswith("reports.")) == 5  # the street's five forms
    assert f["requests.submitted"].value == 1 and f["requests.outstanding"].value == 1
    [n95] = dashboard.supplies.items
    assert (n95.item, n95.on_hand, n95.outstanding, n95.requests, n95.short) == (
        city.n95, Decimal("900"), Decimal("200"), 1, Decimal("0"))
    assert [loc for loc, _held, _url in dashboard.supplies.locations] == [city.warehouse]


def test_trends_read_each_day_as_it_was(city, cast, client_for):
    dashboard = _page(client_for(cast.street_officer))
    managed = {m.day: m.value for m in dashboard.people.managed_chart.marks}
    arrivals = {m.day: m.value for m in dashboard.people.arrivals_chart.marks}
    assert len(managed) == len(arrivals) == 30
    # 张四 under home quarantine until released on 10 May (00:00), 张一 since 1 May; today 张二 and 李一 too.
    assert managed[dt.date(2020, 5, 9)] == 2 and managed[dt.date(2020, 5, 10)] == 1
    assert managed[YESTERDAY] == 1 and managed[TODAY] == 3
    for day, value in managed.items():  # each day's point is the count at that day's statistical time point
        expected = StatusEpisode.objects.filter(open_at(day_window(day).cutoff), status__is_release=False).count()
        assert value == expected, day
    assert arrivals[TODAY] == 5 and arrivals[dt.date(2020, 5, 1)] == 1 and sum(arrivals.values()) == 6


def test_a_past_day_counts_at_its_statistical_time_point(city, cast, client_for):
    client = client_for(cast.street_officer)
    dashboard = _page(client, f"?day={YESTERDAY}")
    f = _by_key(dashboard)
    assert dashboard.day == YESTERDAY and not dashboard.today
    assert dashboard.people.at == day_window(YESTERDAY).cutoff  # 20 May, 15:00, the cut-off of the daily forms
    assert f["hubei_wuhan.registered"].value == 1 and f["close_contact.registered"].value == 0  # only 张一
    assert f["people.new"].value == 0 and f["alerts"].value == 0 and f["confirmed.compounds"].value == 0
    assert "follow_ups.unseen" not in f  # today's results only exist today
    assert dashboard.supplies.items[0].on_hand == Decimal("1000")  # the delivery of the 21st not yet made
    for figure in (f["hubei_wuhan.registered"], f["close_contact.registered"], f["people.home_quarantine"]):
        assert _listed(client, figure) == figure.value, figure


# -- every figure opens its list -----------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["street_officer", "community_a_worker", "command_a"])
def test_every_figure_opens_a_list_of_as_many(city, cast, client_for, who):
    client = client_for(getattr(cast, who))
    figures = [f for f in _figures(_page(client)) if f.url]
    assert len(figures) > 30
    for figure in figures:
        assert _listed(client, figure) == figure.value, figure


def test_supplies_held_add_up_on_the_location_pages(city, cast, client_for):
    client = client_for(cast.street_officer)
    dashboard = _page(client)
    for location, held, url in dashboard.supplies.locations:
        balances = {b.item: b.quantity for b in client.get(url).context["balances"]}
        assert balances == dict(held), location


# -- scope -----------------------------------------------------------------------------------------------------------

def test_community_a_sees_only_its_own_subtree(city, cast, client_for):
    client = client_for(cast.community_a_worker)
    response = client.get("/")
    dashboard = response.context["dashboard"]
    f = _by_key(dashboard)
    assert dashboard.unit == cast.community_a
    assert f["hubei_wuhan.registered"].value == 2  # 张一 and 张二, not 李一 of 月塘
    assert f["people.new"].value == 3 and f["alerts"].value == 1 and f["follow_ups.active"].value == 1
    assert f["confirmed.compounds"].value == 1 and f["requests.submitted"].value == 0
    assert f["requests.outstanding"].value == 1
    assert [row.short for row in dashboard.supplies.items] == [Decimal("200")]  # nothing held in the community
    assert [u for u, _indent in response.context["place"].choices] == [cast.community_a, cast.grid_a]
    html = response.content.decode()
    for name in ("月塘", "李一", "赵六", "长青街道物资仓库"):
        assert name not in html.split('id="dash-title"')[1].split("</main>")[0], name
    assert client.get(f"/?unit={cast.community_b.code}").status_code == 404
    assert client.get(f"/?unit={cast.street.code}").status_code == 404


def test_street_officer_narrows_to_a_community(city, cast, client_for):
    client = client_for(cast.street_officer)
    dashboard = _page(client, f"?unit={cast.community_b.code}")
    f = _by_key(dashboard)
    assert f["hubei_wuhan.registered"].value == 1 and f["alerts"].value == 1 and f["requests.submitted"].value == 1
    assert f["confirmed.compounds"].value == 0 and f["cases.confirmed"].value == 0
    assert client_for(cast.other_street_officer).get(f"/?unit={cast.community_b.code}").status_code == 404


def test_a_section_needs_its_permission(city, cast, client_for):
    auditor = User.objects.create_user(username="auditor", password="Test-password-2020")
    Membership.objects.create(user=auditor, role=Role.AUDITOR, unit=cast.street, unit_path=cast.street.path)
    lawyer = User.objects.create_user(username="lawyer", password="Test-password-2020")
    Membership.objects.create(user=lawyer, role=Role.LAWYER, unit=cast.street, unit_path=cast.street.path)
    assert _page(client_for(auditor)).shown == ["supplies"]
    assert _page(client_for(lawyer)).shown == ["reports"]
    nobody = User.objects.create_user(username="volunteer", password="Test-password-2020")
    response = client_for(nobody).get("/")
    assert response.status_code == 200 and "dashboard" not in response.context
    assert client_for(nobody).get(f"/?unit={cast.street.code}").status_code == 200  # nothing to show, no leak
    assert client_for(cast.grid_a_worker).get("/").context["dashboard"].shown == [
        "people", "tracing", "checkpoints", "supplies"]  # grid workers read no reports


def test_liaison_counts_only_the_enterprises_stationed_at(city, cast, client_for):
    from checkpoints import services
    from orgunits.models import Site

    enterprise = Site.objects.create(unit=cast.community_a, unit_path=cast.community_a.path,
                                     kind=Site.Kind.ENTERPRISE, name="涟钢振兴金华")
    liaison = User.objects.create_user(username="kang", password="Test-password-2020")
    Membership.objects.create(user=liaison, role=Role.LIAISON, unit=cast.street, unit_path=cast.street.path)
    services.station_assign(site=enterprise, user=liaison, by=cast.street_officer)
    gate = services.checkpoint_create(site=enterprise, name="厂区大门", by=cast.street_officer)
    services.reading_record(checkpoint=gate, temperature="39.5", subject="颜某", by=liaison)
    f = _by_key(_page(client_for(liaison)))
    assert f["alerts"].value == 1  # not the two community gates' alerts
    assert _by_key(_page(client_for(cast.street_officer)))["alerts"].value == 3


# -- input and cost -----------------------------------------------------------------------------------------------

def test_bad_input_is_named_and_out_of_scope_units_are_404(city, cast, client_for):
    client = client_for(cast.street_officer)
    with translation.override("zh-hans"):
        response = client.get("/?day=2099-01-01")
        assert response.status_code == 200 and response.context["dashboard"].day == TODAY
        assert "errorlist" in response.content.decode()
        assert response.context["query"].errors["day"]
        response = client.get("/?day=21-05-2020")
        assert response.context["query"].errors["day"] and response.context["dashboard"].day == TODAY
    assert client.get("/?unit=NOPE").status_code == 404


def test_queries_do_not_grow_with_the_people(city, cast, client_for):
    from persons import services
    from persons.models import Category, ManagementStatus
    from persons.tests.conftest import resident_id

    client = client_for(cast.street_officer)
    with CaptureQueriesContext(connection) as before:
        _page(client)
    hubei, home = Category.objects.get(code="hubei"), ManagementStatus.objects.get(code="home_quarantine")
    for i in range(12):
        person = services.person_register(data={"name": f"新{i}", "doc_type": "resident_id",
                                                "doc_number": resident_id(seq=300 + i),
                                                "grid": (cast.grid_a if i % 2 else cast.grid_b).code}, by=None)
        services.category_assign(person=person, category=hubei, start=TODAY - dt.timedelta(days=i), by=None)
        services.status_set(person=person, status=home, start=TODAY - dt.timedelta(days=i), by=None)
    with CaptureQueriesContext(connection) as after:
        dashboard = _page(client)
    assert _by_key(dashboard)["hubei_wuhan.registered"].value == 15
    assert len(after.captured_queries) == len(before.captured_queries)


def test_page_draws_its_charts_and_links(city, cast, client_for):
    html = client_for(cast.street_officer).get("/").content.decode()
    for key in ("arrivals", "managed", "alerts"):
        assert f'data-chart="{key}"' in html
    assert html.count('<rect class="mark"') == 60 and html.count('<circle class="mark"') == 30
    assert f'href="/reports/figures/hubei_wuhan.registered/?unit={cast.street.code}&amp;day={TODAY}"' in html
    assert 'data-figure="people.home_quarantine" data-part-of="people.managed"' in html
    assert 'id="dash-people"' in html and 'id="dash-supplies"' in html
    assert html.index('id="dash-supplies"') < html.index('class="card scope"')  # the roles below the figures
