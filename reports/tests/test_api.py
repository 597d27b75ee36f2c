"""The officer's day through the API: what is due and the time left, compute, fill in, submit, review,
drill down, DHIS2 dataValueSets; the same scope as the pages (404 outside)."""

import json

import pytest

from persons.models import Person
from reports.models import Form, Submission
from reports.tests.test_exports import DAY, at, day_people, evening, register  # noqa: F401 (fixtures)

pytestmark = pytest.mark.usefixtures("day_people")


def _post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _compute(client, code, unit, day=DAY):
    return _post(client, f"/api/reports/forms/{code}/compute", {"unit": unit.code, "day": day.isoformat()})


def test_due_lists_the_days_forms_with_the_time_left(cast, client_for):
    client = client_for(cast.street_officer)
    due = client.get("/api/reports/due?day=2020-05-21").json()
    assert [d["form"] for d in due] == list(Form.objects.order_by("order").values_list("code", flat=True))
    first = due[0]
    assert first["unit"] == cast.street.code and first["state"] is None and first["submission_id"] is None
    assert first["minutes_left"] == 30 and first["late"] is False  # 16:30, due at 17:00
    assert first["due"].startswith("2020-05-21T17:00")


def test_compute_fix_submit_review(cast, client_for):
    officer, reviewer = client_for(cast.street_officer), client_for(cast.city_admin)

    # compute: the draft with its rows, total and issues
    response = _compute(officer, "hubei_wuhan_daily", cast.street)
    assert response.status_code == 200, response.content
    report = response.json()
    assert report["state"] == "draft" and report["can_submit"] and not report["can_review"]
    assert report["rows"][0] == {"unit": cast.community_a.code, "name": "三元社区", "cells": {
        "cumulative": 2, "new_today": 1, "managed": 2, "under_measures": 2, "home": 1, "central": 0, "monitoring": 1,
        "hospital": 0, "released": 0, "no_status": 0, "released_today": 0}}
    assert report["total"]["managed"] == 3 and report["issues"] == []
    assert officer.get(f"/api/reports/submissions/{report['id']}").json()["total"] == report["total"]

    # a manual cell, with the lock version read; a stale one is a conflict
    confirmed = _compute(officer, "confirmed_daily", cast.street).json()
    url = f"/api/reports/submissions/{confirmed['id']}/manual"
    body = {"values": {cast.community_b.code: {"compounds": 1}}, "lock_version": confirmed["lock_version"]}
    filled = _post(officer, url, body)
    assert filled.status_code == 200 and filled.json()["total"]["compounds"] == 1
    stale = _post(officer, url, body)
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    wrong = _post(officer, url, {"values": {cast.community_b.code: {"compounds": "两个", "confirmed": 3}}})
    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_cells"
    assert set(wrong.json()["fields"]) == {f"{cast.community_b.code}.compounds", f"{cast.community_b.code}.confirmed"}

    # submit; the street cannot approve its own report, the city can
    submitted = _post(officer, f"/api/reports/submissions/{report['id']}/submit",
                      {"lock_version": report["lock_version"]})
    assert submitted.status_code == 200 and submitted.json()["state"] == "submitted"
    assert submitted.json()["submitted_by"] == "贺英"
    review_url = f"/api/reports/submissions/{report['id']}/review"
    assert _post(officer, review_url, {"approve": True}).status_code == 404
    unexplained = _post(reviewer, review_url, {"approve": False})
    assert unexplained.status_code == 400 and "comment" in unexplained.json()["fields"]
    assert reviewer.get(f"/api/reports/submissions/{report['id']}").json()["can_review"] is True
    approved = _post(reviewer, review_url, {"approve": True, "comment": "同意"})
    assert approved.status_code == 200
    assert approved.json()["state"] == "approved" and approved.json()["reviewed_by"] == "市管理员"
    locked = _compute(officer, "hubei_wuhan_daily", cast.street)
    assert locked.status_code == 409 and locked.json()["code"] == "locked"

    due = {d["form"]: d for d in officer.get("/api/reports/due?day=2020-05-21").json()}
    assert due["hubei_wuhan_daily"]["state"] == "approved" and due["confirmed_daily"]["state"] == "draft"


def test_errors_block_submission(cast, client_for):
    register(cast, 8, cast.grid_a, "hubei", at(DAY, 11))  # from Hubei, no management status recorded
    client = client_for(cast.street_officer)
    report = _compute(client, "hubei_wuhan_daily", cast.street).json()
    assert {(i["row"], i["importance"]) for i in report["issues"]} == {(cast.community_a.code, "error"), ("__total__", "error")}
    refused = _post(client, f"/api/reports/submissions/{report['id']}/submit", {"lock_version": report["lock_version"]})
    assert refused.status_code == 400 and refused.json()["code"] == "validation_failed"
    assert Submission.objects.get(pk=report["id"]).state == "draft"


def test_a_cell_lists_the_ids_behind_it(cast, client_for):
    client = client_for(cast.street_officer)
    report = _compute(client, "hubei_wuhan_daily", cast.street).json()
    cell = client.get(f"/api/reports/submissions/{report['id']}/cells/{cast.community_a.code}/managed").json()
    ids = sorted(Person.objects.filter(name__in=["人1", "人2"]).values_list("pk", flat=True))
    assert cell == {"submission_id": report["id"], "row": cast.community_a.code, "column": "managed", "count": 2,
                    "hidden": 0, "ids": ids}
    assert client.get(f"/api/reports/submissions/{report['id']}/cells/__total__/managed").json()["count"] == 3
    assert client.get(f"/api/reports/submissions/{report['id']}/cells/__total__/nope").status_code == 404


def test_data_value_sets(cast, client_for):
    document = client_for(cast.city_admin).get(f"/api/reports/datavaluesets?unit={cast.street.code}&day=2020-05-21")
    assert document.status_code == 200
    values = document.json()["dataValues"]
    assert {"dataElement": "hubei_wuhan_daily.managed", "period": "20200521", "orgUnit": cast.street.code,
            "value": "3"}.items() <= next(v for v in values if v["dataElement"] == "hubei_wuhan_daily.managed"
                                          and v["orgUnit"] == cast.street.code).items()


def test_bad_input_is_named(cast, client_for):
    response = _post(client_for(cast.street_officer), "/api/reports/forms/hubei_wuhan_daily/compute",
                     {"unit": cast.street.code, "day": "21/05/2020"})
    assert response.status_code == 422 and "day" in response.json()["fields"]


def test_out_of_scope_users_get_404(cast, client_for):
    officer = client_for(cast.street_officer)
    street_report = _compute(officer, "hubei_wuhan_daily", cast.street).json()["id"]
    b_report = _compute(client_for(cast.city_admin), "hubei_wuhan_daily", cast.community_b).json()["id"]
    for user, report, unit in [(cast.other_street_officer, street_report, cast.street),
                               (cast.community_b_worker, street_report, cast.street),
                               (cast.community_a_worker, b_report, cast.community_b),
                               (cast.command_a, b_report, cast.community_b),
                               (cast.grid_a_worker, b_report, cast.community_b)]:
        client = client_for(user)
        base = f"/api/reports/submissions/{report}"
        answers = [
            client.get(base), client.get(f"{base}/cells/__total__/managed"),
            _compute(client, "hubei_wuhan_daily", unit),
            _post(client, f"{base}/manual", {"values": {}}), _post(client, f"{base}/submit", {"lock_version": 1}),
            _post(client, f"{base}/review", {"approve": True}),
            client.get(f"/api/reports/datavaluesets?unit={unit.code}&day=2020-05-21"),
        ]
        assert [a.status_code for a in answers] == [404] * len(answers), user.username
        assert answers[0].json()["code"] == "not_found"
    assert Submission.objects.get(pk=street_report).state == "draft"
