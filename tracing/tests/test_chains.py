"""Transmission chains: a case's component, its generations, the chains among its cases and its cluster; the
distribution over a unit's cases; the pages and the API, each as the viewer's scope allows."""

import datetime as dt
import json
import re

import pytest
from django.utils import timezone

from tracing import chains, services
from tracing.models import Case
from tracing.tests.conftest import contact_data, days_ago, exposure


def _confirm(person, by, days: int = 0, onset: int | None = None) -> Case:
    return services.case_register(person=person, classification="confirmed", by=by,
                                  at=timezone.now() - dt.timedelta(hours=1 + 24 * days),
                                  onset_date=days_ago(onset) if onset is not None else None)


@pytest.fixture
def outbreak(cast, confirmed_case, register):
    """王芳 (grid A, confirmed) exposed 李明 and 张三 (grid A) and 赵红 (grid B); 李明 became a case and exposed
    钱七, who became a case and exposed 孙八: three generations of cases. 周九 of grid B, a case of its own,
    exposed 赵红 too: one cluster, two chains."""
    officer = cast.street_officer
    add = services.contact_add
    li, _ = add(source=confirmed_case.person, person_data=contact_data("李明", 201, cast.grid_a),
                exposure_data=exposure(last=3), by=officer)
    zhao, _ = add(source=confirmed_case.person, person_data=contact_data("赵红", 202, cast.grid_b),
                  exposure_data=exposure(last=2), by=officer)
    zhang, _ = add(source=confirmed_case.person, person_data=contact_data("张三", 203, cast.grid_a),
                   exposure_data=exposure(last=2), by=officer)
    _confirm(li.exposed, officer, onset=1)
    qian, _ = add(source=li.exposed, person_data=contact_data("钱七", 204, cast.grid_a),
                  exposure_data=exposure(last=1), by=officer)
    _confirm(qian.exposed, officer)
    sun, _ = add(source=qian.exposed, person_data=contact_data("孙八", 205, cast.grid_a),
                 exposure_data=exposure(last=0), by=officer)
    zhou = _confirm(register("周九", 206, grid=cast.grid_b), officer, days=0, onset=0)
    services.exposure_record(source=zhou.person, exposed=zhao.exposed, data=exposure(last=1), by=officer)
    return {"case": confirmed_case, "zhou": zhou, "li": li, "zhao": zhao, "zhang": zhang, "qian": qian, "sun": sun}


def _names(nodes) -> list[str]:
    return [n.person.name for n in nodes]


def test_the_component_of_a_case_with_its_generations_chains_and_cluster(cast, outbreak):
    graph = chains.case_chain(cast.street_officer, outbreak["case"])
    assert sorted(_names(graph.nodes)) == sorted(["王芳", "李明", "赵红", "张三", "钱七", "孙八", "周九"])
    assert len(graph.edges) == 6 and not graph.truncated
    generation = {n.person.name: n.generation for n in graph.nodes}
    assert generation == {"王芳": 0, "周九": 0, "李明": 1, "赵红": 1, "张三": 1, "钱七": 2, "孙八": 3}
    assert [_names(c) for c in graph.generations][0] == ["王芳", "周九"]  # cases first, then by earliest
    assert graph.index.person.name == "王芳"  # onset before 周九's
    assert [_names(c) for c in graph.chains] == [["王芳", "李明", "钱七"], ["周九"]]
    assert sorted(_names(graph.cluster)) == ["周九", "李明", "王芳", "钱七"]
    assert [_names(c) for c in graph.chains if graph.focus in c] == [["王芳", "李明", "钱七"]]
    transmission = {(e.source.person.name, e.exposed.person.name) for e in graph.edges if e.transmission}
    assert transmission == {("王芳", "李明"), ("李明", "钱七")}
    # Laid out one column per generation; every exposure drawn from one person to the other.
    assert {n.column for n in graph.nodes} == {0, 1, 2, 3}
    assert all(e.path.startswith(f"M{e.source.x + chains.NODE_W},") for e in graph.edges)
    assert graph.width > 3 * chains.NODE_W and graph.height > 3 * chains.NODE_H


def test_the_component_is_the_same_from_any_case_of_it(cast, outbreak):
    from_third = chains.case_chain(cast.street_officer, Case.objects.get(person=outbreak["qian"].exposed))
    assert len(from_third.nodes) == 7 and from_third.index.person.name == "王芳"
    assert {n.person.name: n.generation for n in from_third.nodes}["孙八"] == 3


def test_steps_bound_the_component_and_say_it_goes_on(cast, outbreak):
    steps, cut = chains.component_people(outbreak["case"].person_id, depth=1)
    names = {n.person.name: n.steps for n in chains.case_chain(cast.street_officer, outbreak["case"], depth=1).nodes}
    assert names == {"王芳": 0, "李明": 1, "赵红": 1, "张三": 1} and len(steps) == 4 and not cut
    assert chains.case_chain(cast.street_officer, outbreak["case"], depth=1).truncated  # 钱七 and 周九 beyond
    nearest, cut = chains.component_people(outbreak["case"].person_id, depth=8, limit=3)
    assert len(nearest) == 3 and cut and nearest[outbreak["case"].person_id] == 0


def test_a_grid_worker_sees_the_people_of_other_units_masked(cast, outbreak):
    graph = chains.case_chain(cast.grid_a_worker, outbreak["case"])
    masked = [n for n in graph.nodes if not n.in_scope]
    assert {n.person.name for n in masked} == {"赵红", "周九"} and all(n.url == "" and n.label == "" for n in masked)
    shown = {n.person.name: n.url for n in graph.nodes if n.in_scope}
    assert shown["李明"] == f"/tracing/cases/{Case.objects.get(person=outbreak['li'].exposed).pk}/"
    assert shown["张三"] == f"/tracing/contacts/{outbreak['zhang'].pk}/"
    assert len(graph.nodes) == 7  # the structure is drawn whole


def test_statistics_over_a_subtree(cast, outbreak):
    stats = chains.chain_statistics(under=[cast.street.path])
    assert stats.cases == 4 and stats.contacts == 6
    assert stats.contacts_per_case == [(1, 3), (3, 1)] and stats.contacts_max == 3 and stats.contacts_median == 1
    assert stats.chain_sizes == [(1, 1), (3, 1)] and stats.chains == 2 and stats.transmitted == 3
    assert stats.cluster_sizes == [(4, 1)]  # 王芳 and 周九 exposed 赵红
    [largest] = stats.largest
    assert (largest.index.person.name, largest.size, largest.generations) == ("王芳", 3, 3)
    assert [c.person.name for c in largest.cases] == ["王芳", "李明", "钱七"]
    # Grid A alone: 周九 is not among its cases, nor is the link through 赵红.
    grid = chains.chain_statistics(under=[cast.grid_a.path])
    assert grid.cases == 3 and grid.cluster_sizes == [(3, 1)] and grid.chain_sizes == [(3, 1)]
    assert chains.chain_statistics(under=[cast.other_street.path]).cases == 0
    confirmed_only = chains.chain_statistics(under=[cast.street.path], classifications=["suspected"])
    assert confirmed_only.cases == 0 and confirmed_only.chain_sizes == []


def test_the_chain_page_draws_one_node_per_person_and_every_exposure(cast, outbreak, client_for,
                                                                    django_assert_max_num_queries):
    url = f"/tracing/cases/{outbreak['case'].pk}/chain/"
    client = client_for(cast.grid_a_worker)
    with django_assert_max_num_queries(12):  # the same few queries whatever the number of people
        page = client.get(url).content.decode()
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert len(re.findall(r'<g class="node ', svg)) == 7
    assert len(re.findall(r'<path class="edge', svg)) == 6
    assert len(re.findall(r'<path class="edge transmission', svg)) == 2
    assert "李明" in svg and "孙八" in svg and "赵红" not in page and "周九" not in page
    assert 'class="node contact masked"' in svg and f'href="/tracing/contacts/{outbreak["zhang"].pk}/"' in svg
    assert "<script" not in page.split("<main>")[1]  # drawn on the server
    assert client_for(cast.other_street_officer).get(url).status_code == 404
    assert client_for(cast.street_officer).get(url + "?depth=1").status_code == 200


def test_the_chain_and_statistics_through_the_api(cast, outbreak, client_for):
    grid = client_for(cast.grid_a_worker)
    body = json.loads(grid.get(f"/api/cases/{outbreak['case'].pk}/chain").content)
    assert len(body["nodes"]) == 7 and len(body["edges"]) == 6 and not body["truncated"]
    by_key = {n["key"]: n for n in body["nodes"]}
    masked = [n for n in body["nodes"] if not n["person"]["in_scope"]]
    assert len(masked) == 2 and all(n["person"]["name"] == "" and n["case_id"] is None for n in masked)
    assert [[by_key[k]["person"]["name"] for k in chain] for chain in body["chains"]][0] == ["王芳", "李明", "钱七"]
    into_masked = [e for e in body["edges"] if not by_key[e["exposed"]]["person"]["in_scope"]]
    assert into_masked and all(e["exposure_id"] is None and e["last_contact"] is None for e in into_masked)
    assert client_for(cast.other_street_officer).get(f"/api/cases/{outbreak['case'].pk}/chain").status_code == 404

    stats = json.loads(client_for(cast.street_officer).get("/api/chain-statistics").content)
    assert stats["cases"] == 4 and stats["chain_sizes"] == [{"value": 1, "count": 1}, {"value": 3, "count": 1}]
    assert stats["largest"][0]["generations"] == 3
    mine = json.loads(grid.get("/api/chain-statistics").content)
    assert mine["cases"] == 3 and mine["clusters"] == 1
    assert grid.get(f"/api/chain-statistics?unit={cast.grid_b.code}").status_code == 404


def test_the_statistics_page(cast, outbreak, client_for):
    page = client_for(cast.street_officer).get("/tracing/chains/").content.decode()
    assert 'class="distribution contacts-per-case"' in page and 'class="distribution chain-sizes"' in page
    assert f'/tracing/cases/{outbreak["case"].pk}/chain/' in page
    grid_b = client_for(cast.street_officer).get(f"/tracing/chains/?unit={cast.grid_b.code}")
    assert grid_b.status_code == 200 and grid_b.context["stats"].cases == 1
    assert client_for(cast.grid_a_worker).get(f"/tracing/chains/?unit={cast.grid_b.code}").status_code == 404
