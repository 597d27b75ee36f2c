"""The line list's reads of a day through the API, as on their pages: the grid worker's day (/persons/today/),
the day's fevers (/persons/fevers/) and a person's access log (/persons/<pk>/access/). The same lists, the same
scope (404 outside it) and the same masking: names and grids, never a document or a phone."""

import pytest
from django.utils import timezone

from persons.tests.conftest import resident_id


def _home_quarantine_with_fever(client, person) -> None:
    client.post(f"/api/persons/{person.pk}/status", {"status": "home_quarantine"}, content_type="application/json")
    client.post(f"/api/persons/{person.pk}/checks", {"temperature": "38.4"}, content_type="application/json")


def test_the_grid_workers_day_lists_what_the_today_page_lists(cast, people, client_for):
    a, _b = people
    client = client_for(cast.grid_a_worker)
    client.post(f"/api/persons/{a.pk}/status", {"status": "home_quarantine"}, content_type="application/json")

    day = client.get("/api/persons/today").json()
    page = client.get("/persons/today/").context

    assert [p["id"] for p in day["checks_due"]] == [p.pk for p in page["checks_due"]] == [a.pk]
    assert day["checks_due"][0] == {"id": a.pk, "name": "张三", "grid": cast.grid_a.code, "grid_name": cast.grid_a.name}
    assert day["day"] == timezone.localdate().isoformat() and day["fevers"] == []
    client.post(f"/api/persons/{a.pk}/checks", {"temperature": "38.4"}, content_type="application/json")
    after = client.get("/api/persons/today").json()
    assert after["checks_due"] == [] and [f["person"]["id"] for f in after["fevers"]] == [a.pk]
    assert "doc_number" not in str(after) and a.doc_number not in str(after)


@pytest.mark.parametrize("who", ["grid_a_worker", "command_a", "community_b_worker", "street_officer"])
def test_the_day_answers_whom_the_today_page_answers(cast, people, client_for, who):
    client = client_for(getattr(cast, who))
    client_for(cast.grid_a_worker).post(f"/api/persons/{people[0].pk}/status", {"status": "home_quarantine"},
                                        content_type="application/json")
    page, answer = client.get("/persons/today/"), client.get("/api/persons/today")
    assert page.status_code == answer.status_code
    if page.status_code == 200:
        assert [p["id"] for p in answer.json()["checks_due"]] == [p.pk for p in page.context["checks_due"]]


def test_a_day_that_is_not_a_date_is_refused(cast, client_for):
    assert client_for(cast.grid_a_worker).get("/api/persons/today?day=20200521").status_code == 422


def test_the_days_fevers_are_counted_and_listed_as_on_their_page(cast, people, client_for):
    a, b = people
    _home_quarantine_with_fever(client_for(cast.grid_a_worker), a)
    _home_quarantine_with_fever(client_for(cast.community_b_worker), b)
    street = client_for(cast.street_officer)

    fevers = street.get("/api/persons/fevers", {"unit": cast.community_a.code}).json()
    page = street.get("/persons/fevers/", {"unit": cast.community_a.code}).context

    assert fevers["people"] == page["people"] == 1 and fevers["unit"] == cast.community_a.code
    [check] = fevers["checks"]
    assert check["person"]["name"] == "张三" and check["temperature"] == "38.4" and check["result"]
    assert check["recorded_by"] == str(cast.grid_a_worker)
    assert a.doc_number not in str(fevers) and a.phone not in str(fevers)


def test_the_fevers_of_another_community_are_not_found(cast, people, client_for):
    a, _b = people
    _home_quarantine_with_fever(client_for(cast.grid_a_worker), a)
    outsider = client_for(cast.community_b_worker)
    assert outsider.get("/api/persons/fevers", {"unit": cast.community_a.code}).status_code == 404
    assert outsider.get("/api/persons/fevers").json()["checks"] == []


def test_the_access_log_lists_who_viewed_the_person_as_its_page(cast, people, client_for):
    a, _b = people
    client_for(cast.grid_a_worker).get(f"/persons/{a.pk}/")
    street = client_for(cast.street_officer)

    log = street.get(f"/api/persons/{a.pk}/access", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    page = street.get(f"/persons/{a.pk}/access/").context["page"]

    [entry] = log["items"]
    assert [e["id"] for e in log["items"]] == [e.pk for e in page.items]
    assert (entry["user"], entry["action"], entry["can_open"]) == ("grid_a", "view", True)
    assert entry["how"] == page.items[0].how and log["next_cursor"] is None


@pytest.mark.parametrize("who", ["grid_a_worker", "community_a_worker", "community_b_worker", "other_street_officer"])
def test_the_access_log_is_not_found_by_those_its_page_refuses(cast, people, client_for, who):
    response = client_for(getattr(cast, who)).get(f"/api/persons/{people[0].pk}/access")
    assert response.status_code == 404 and resident_id(seq=123) not in response.content.decode()
