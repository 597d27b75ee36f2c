"""Tracing through HTTP: who sees which contacts and tasks, the pages a grid worker uses on a phone, the API."""

import datetime as dt
import json

import pytest
from django.utils import translation

from accounts.models import Membership, User
from accounts.roles import Role
from core.models import AuditEntry
from persons.models import Person
from persons.tests.conftest import resident_id
from tracing import services
from tracing.models import Case, Exposure, FollowUp, Task
from tracing.tests.conftest import NOW, TODAY, contact_data, days_ago, exposure


@pytest.fixture
def traced(two_contacts):
    """The case of grid A with a contact in grid A (李明) and one in grid B (赵红), and the day's tasks."""
    services.tasks_generate_daily(day=TODAY)
    return two_contacts


def _json(response):
    return json.loads(response.content)


def test_a_grid_worker_sees_only_their_grid_s_contacts_and_tasks(cast, traced, client_for):
    a, b = traced
    grid = client_for(cast.grid_a_worker)
    page = grid.get("/tracing/follow-up/").content.decode()
    assert "李明" in page and "赵红" not in page
    assert grid.get(f"/tracing/contacts/{b.pk}/").status_code == 404
    case_page = grid.get(f"/tracing/cases/{Case.objects.get().pk}/").content.decode()
    with translation.override("zh-hans"):
        elsewhere = translation.gettext("a person outside your area")
    assert "李明" in case_page and "赵红" not in case_page and elsewhere in case_page
    tasks = _json(grid.get("/api/tasks"))["items"]
    assert [t["person"]["name"] for t in tasks] == ["李明"]
    assert [e["exposed"]["name"] for e in _json(grid.get("/api/exposures"))["items"]] == ["李明"]
    assert "李明" in grid.get("/tracing/tasks/").content.decode()

    officer = client_for(cast.street_officer)
    page = officer.get("/tracing/follow-up/").content.decode()
    assert "李明" in page and "赵红" in page
    assert {t["person"]["name"] for t in _json(officer.get("/api/tasks"))["items"]} == {"李明", "赵红"}
    assert {e["exposed"]["name"] for e in _json(officer.get("/api/exposures"))["items"]} == {"李明", "赵红"}
    assert officer.get(f"/tracing/contacts/{b.pk}/").status_code == 200

    other = client_for(cast.other_street_officer)
    assert _json(other.get("/api/tasks"))["items"] == []
    assert other.get(f"/api/cases/{Case.objects.get().pk}").status_code == 404


def test_my_tasks_on_a_phone(cast, traced, client_for):
    a, _ = traced
    services.task_create(kind="verify", priority=Task.Priority.URGENT, person=a.exposed,
                         title="到人民医院核实住院患者", due_at=NOW + dt.timedelta(hours=1), by=cast.street_officer)
    client = client_for(cast.grid_a_worker)
    page = client.get("/tracing/tasks/").content.decode()
    with translation.override("zh-hans"):
        daily = translation.gettext("daily follow-up")
    assert page.index("到人民医院核实住院患者") < page.index(f"{daily} · 李明")  # urgent first
    assert 'name="viewport"' in page and "task p4" in page
    assert 'class="badge unread"' in page  # the notification of the new task
    urgent = Task.objects.get(kind="verify")
    response = client.post(f"/tracing/tasks/{urgent.pk}/status/", {"status": "done", "version": urgent.version,
                                                                    "next": "/tracing/tasks/"})
    assert response.status_code == 302 and response["Location"] == "/tracing/tasks/"
    urgent.refresh_from_db()
    assert urgent.status == "done"
    # The follow-up task is done by recording the result, from the follow-up list.
    fu = FollowUp.objects.get(person=a.exposed)
    response = client.post(f"/tracing/follow-up/{fu.pk}/result/", {"temperature": "36.6", "result": "well",
                                                                   "next": "/tracing/follow-up/"})
    assert response["Location"] == "/tracing/follow-up/"
    assert Task.objects.get(follow_up=fu).status == "done"
    with translation.override("zh-hans"):
        nothing = translation.gettext("Nothing to do.")
    assert nothing in client.get("/tracing/tasks/").content.decode()


def test_adding_a_contact_on_the_page_links_a_registered_person(cast, confirmed_case, register, client_for):
    known = register("李明", 201, grid=cast.grid_a)
    client = client_for(cast.grid_a_worker)
    url = f"/tracing/cases/{confirmed_case.pk}/contacts/new/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "李明", "doc_type": "resident_id", "doc_number": resident_id(seq=201).lower(),
                                 "last_contact": days_ago(1).isoformat(), "setting": "workplace",
                                 "proximity": "close", "certainty": "medium"})
    assert response.status_code == 302
    assert Exposure.objects.get().exposed == known and Person.objects.filter(name="李明").count() == 1
    # A new person needs a grid: the error names the field, and nothing is written.
    response = client.post(url, {"name": "赵红", "doc_type": "resident_id", "doc_number": resident_id(seq=202),
                                 "last_contact": days_ago(1).isoformat(), "setting": "household",
                                 "proximity": "close", "certainty": "high"})
    assert response.status_code == 200 and "grid" in response.context["form"].errors
    assert not Person.objects.filter(name="赵红").exists()


def test_case_pages_and_classification_by_role(cast, confirmed_case, client_for):
    client = client_for(cast.grid_a_worker)
    page = client.get(f"/tracing/cases/{confirmed_case.pk}/").content.decode()
    assert confirmed_case.person.doc_number in page  # the grid worker may see their own people in full
    assert AuditEntry.objects.filter(action="view", object_type="persons.person", actor=cast.grid_a_worker).exists()
    # Classifying by hand is the street officer's.
    assert client.post(f"/tracing/cases/{confirmed_case.pk}/classify/",
                       {"classification": "excluded"}).status_code == 404
    officer = client_for(cast.street_officer)
    officer.post(f"/tracing/cases/{confirmed_case.pk}/classify/", {"classification": "excluded", "reason": "复核"})
    confirmed_case.refresh_from_db()
    assert confirmed_case.classification == "excluded"
    command = client_for(cast.command_a)
    page = command.get(f"/tracing/cases/{confirmed_case.pk}/").content.decode()
    assert confirmed_case.person.doc_number not in page  # the command role reads masked data


def test_places_visited_and_candidates(cast, confirmed_case, register, client_for):
    other = register("周强", 301, grid=cast.grid_b)
    services.visit_record(person=other, site=cast.site_b, start=NOW - dt.timedelta(hours=26),
                          end=NOW - dt.timedelta(hours=25), by=None)
    client = client_for(cast.street_officer)
    response = client.post(f"/tracing/cases/{confirmed_case.pk}/visits/", {
        "site": cast.site_b.pk, "start": (NOW - dt.timedelta(hours=25, minutes=30)).strftime("%Y-%m-%dT%H:%M"),
        "end": (NOW - dt.timedelta(hours=24)).strftime("%Y-%m-%dT%H:%M"), "place": "南门"})
    assert response.status_code == 302
    page = client.get(f"/tracing/cases/{confirmed_case.pk}/").content.decode()
    assert "月塘社区南门卡点" in page and 'class="tag candidate">周强' in page
    stays = client.get("/tracing/stays/").content.decode()
    assert "月塘社区" in stays and "王芳" in stays


def test_the_api(cast, confirmed_case, register, client_for):
    client = client_for(cast.street_officer)
    person = register("李明", 201)
    response = client.post("/api/exposures", data={
        "source_person_id": confirmed_case.person_id, "exposed_person_id": person.pk,
        "last_contact": days_ago(2).isoformat(), "setting": "gathering"}, content_type="application/json")
    assert response.status_code == 201, response.content
    body = _json(response)
    assert body["degree"] == 1 and body["follow_up_end"] == days_ago(2 - 14).isoformat()
    response = client.post("/api/exposures", data={
        "source_person_id": person.pk, "last_contact": days_ago(1).isoformat(),
        "contact": {"name": "赵红", "doc_number": resident_id(seq=202), "grid": cast.grid_b.code}},
        content_type="application/json")
    assert response.status_code == 201 and _json(response)["degree"] == 2 and _json(response)["person_created"]
    reached = _json(client.get(f"/api/cases/{confirmed_case.pk}/contacts"))
    assert [(r["person"]["name"], r["steps"]) for r in reached] == [("李明", 1), ("赵红", 2)]

    response = client.post("/api/cases", data={"person_id": person.pk, "classification": "suspected"},
                           content_type="application/json")
    assert response.status_code == 201 and _json(response)["history"][0]["method"] == "manual"
    response = client.post("/api/cases", data={"person_id": person.pk, "classification": "suspected"},
                           content_type="application/json")
    assert response.status_code == 409 and _json(response)["code"] == "already_a_case"
    case_id = Case.objects.get(person=person).pk
    response = client.patch(f"/api/cases/{case_id}", data={"onset_date": days_ago(-3).isoformat()},
                            content_type="application/json")
    assert response.status_code == 400 and "onset_date" in _json(response)["fields"]

    response = client.post("/api/tasks", data={"kind": "verify", "priority": 4, "person_id": person.pk,
                                               "due_at": (NOW + dt.timedelta(hours=1)).isoformat()},
                           content_type="application/json")
    assert response.status_code == 201
    task = _json(response)
    assert task["assignee_id"] == cast.grid_a_worker.pk
    grid = client_for(cast.grid_a_worker)
    assert [t["id"] for t in _json(grid.get("/api/tasks?mine=true"))["items"]] == [task["id"]]
    response = grid.patch(f"/api/tasks/{task['id']}", data={"status": "in_progress"}, content_type="application/json")
    assert response.status_code == 200 and _json(response)["status"] == "in_progress"
    response = grid.patch(f"/api/tasks/{task['id']}", data={"priority": 1}, content_type="application/json")
    assert response.status_code == 400 and "priority" in _json(response)["fields"]
    assert grid.post("/api/cases", data={"person_id": person.pk, "classification": "confirmed"},
                     content_type="application/json").status_code == 403  # classifying is the officer's


def test_pages_need_a_login_and_a_role(cast, client, client_for):
    assert client.get("/tracing/tasks/").status_code == 302
    lawyer = User.objects.create_user(username="lawyer_x", password="Test-password-2020")
    Membership.objects.create(user=lawyer, role=Role.LAWYER, unit=cast.city, unit_path=cast.city.path)
    assert client_for(lawyer).get("/tracing/").status_code == 403  # the hotline lawyer does no tracing
    assert client_for(lawyer).get("/api/cases").status_code == 403


def test_list_pages_cost_the_same_for_more_rows(cast, confirmed_case, client_for):
    """The phone lists and the API lists read a page in a fixed number of queries (no query per row)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(cast.street_officer)
    urls = ["/tracing/tasks/", "/tracing/tasks/all/", "/tracing/follow-up/", "/tracing/", "/api/tasks",
            "/api/exposures", "/api/follow-ups", "/api/cases", f"/tracing/cases/{confirmed_case.pk}/"]

    def queries(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200, url
        return len(ctx)

    def add(seq, grid):
        e, _ = services.contact_add(source=confirmed_case.person, by=None, exposure_data=exposure(last=1),
                                    person_data=contact_data(f"密接{seq}", seq, grid))
        services.task_create(kind="verify", person=e.exposed, due_at=NOW + dt.timedelta(hours=1), by=None,
                             observers=[cast.street_officer])

    add(401, cast.grid_a)
    services.tasks_generate_daily(day=TODAY)
    before = {url: queries(url) for url in urls}
    for seq, grid in ((402, cast.grid_b), (403, cast.grid_a), (404, cast.grid_b)):
        add(seq, grid)
    services.tasks_generate_daily(day=TODAY)
    assert {url: queries(url) for url in urls} == before
