"""The review of probable duplicates through the API: the page's list, merge and dismissal, the same services and
the same scope (another community's people answer exactly as people who do not exist)."""

import json

import pytest

from core.models import AuditEntry
from persons import services
from persons.models import DuplicateDismissal, Person, PersonMerge
from persons.tests.conftest import resident_id


@pytest.fixture
def pair(cast, person_data):
    a = services.person_register(data=person_data(), by=None)
    b = services.person_register(data=person_data(doc_type="passport", doc_number="E1234567", birth_date="1990-01-01"),
                                 by=None)
    return a, b


def _post(client, path: str, body: dict):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def test_a_community_worker_lists_and_merges_two_duplicates_through_the_api(cast, pair, client_for):
    a, b = pair
    client = client_for(cast.community_a_worker)
    listed = client.get("/api/persons/duplicates")
    assert listed.status_code == 200
    [row] = listed.json()
    assert row["reason"] == "name_phone" and row["reason_label"]
    assert (row["first"]["id"], row["second"]["id"]) == (a.pk, b.pk)
    assert row["first"]["doc_number"] != a.doc_number and row["first"]["phone"] != a.phone  # masked, as on the page
    assert row["second"]["grid"] == cast.grid_a.code

    merged = _post(client, "/api/persons/merges", {"keep_id": b.pk, "drop_id": a.pk})
    assert merged.status_code == 200, merged.content
    body = merged.json()
    assert body["id"] == b.pk and body["address"] == "三元社区1栋"  # an empty field filled from the dropped record
    assert list(Person.objects.values_list("pk", flat=True)) == [b.pk]
    assert PersonMerge.objects.get().dropped_id == a.pk
    assert sorted(AuditEntry.objects.filter(actor=cast.community_a_worker, object_type="persons.person")
                  .exclude(action="view").values_list("action", flat=True)) == ["delete", "update"]  # the merge
    assert client.get("/api/persons/duplicates").json() == []


def test_a_grid_worker_is_answered_by_the_api_as_by_the_review_page(cast, pair, client_for):
    """Grid workers hold no merge permission (accounts.roles): the list is refused, and a merge finds neither
    person, through the API exactly as through the page."""
    a, b = pair
    client = client_for(cast.grid_a_worker)
    assert client.get("/api/persons/duplicates").status_code == client.get("/persons/duplicates/").status_code == 403
    response = _post(client, "/api/persons/merges", {"keep_id": a.pk, "drop_id": b.pk})
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert client.post("/persons/duplicates/resolve/", {"keep": a.pk, "other": b.pk, "action": "merge"}) \
        .status_code == 404
    assert Person.objects.count() == 2


def test_another_communitys_people_are_answered_as_missing_ones(cast, pair, client_for):
    a, b = pair
    outsider = client_for(cast.community_b_worker)
    missing = 987654321
    for path, body, nowhere in (
            ("/api/persons/merges", {"keep_id": a.pk, "drop_id": b.pk}, {"keep_id": missing, "drop_id": missing}),
            ("/api/persons/duplicate-dismissals", {"first_id": a.pk, "second_id": b.pk},
             {"first_id": missing, "second_id": missing})):
        theirs, none = _post(outsider, path, body), _post(outsider, path, nowhere)
        assert theirs.status_code == none.status_code == 404
        assert theirs.json() == none.json() == {"code": "not_found", "message": theirs.json()["message"], "fields": {}}
    # one's own person with another community's: still nothing to find
    own = services.person_register(data={"name": "张三", "doc_type": "resident_id", "doc_number": resident_id(seq=321),
                                         "phone": "13812345678", "grid": cast.grid_b.code}, by=None)
    assert _post(outsider, "/api/persons/merges", {"keep_id": own.pk, "drop_id": a.pk}).status_code == 404
    assert Person.objects.count() == 3 and not DuplicateDismissal.objects.exists()
    assert outsider.get("/api/persons/duplicates").json() == []  # B's worker sees no pair of A's


def test_a_pair_dismissed_through_the_api_is_not_listed_again(cast, pair, client_for):
    a, b = pair
    client = client_for(cast.street_officer)
    response = _post(client, "/api/persons/duplicate-dismissals", {"first_id": b.pk, "second_id": a.pk})
    assert response.status_code == 201 and response.json() == {"first_id": b.pk, "second_id": a.pk}
    assert DuplicateDismissal.objects.filter(person_low=a, person_high=b).exists()
    assert AuditEntry.objects.filter(object_type="persons.duplicatedismissal", actor=cast.street_officer).exists()
    assert client.get("/api/persons/duplicates").json() == []
    assert Person.objects.count() == 2


def test_merging_a_person_with_themself_answers_the_domain_error(cast, pair, client_for):
    a, _b = pair
    response = _post(client_for(cast.community_a_worker), "/api/persons/merges", {"keep_id": a.pk, "drop_id": a.pk})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_merge" and body["message"] and body["fields"] == {}


def test_dismissing_a_person_as_different_from_themself_answers_the_domain_error(cast, pair, client_for):
    a, _b = pair
    response = _post(client_for(cast.community_a_worker), "/api/persons/duplicate-dismissals",
                     {"first_id": a.pk, "second_id": a.pk})
    assert response.status_code == 400 and response.json()["code"] == "invalid_dismissal"
    assert not DuplicateDismissal.objects.exists()
