"""A contact whose document is registered in another community is not linked by the worker who reports them:
the community that holds the person gets a referral (协查) to verify them and record the exposure itself, and
the reporter learns nothing of the person: no name, no id, no unit. The same on the page, the API and the
contact list import."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import AuditEntry
from core.notifications import notifications_about
from persons.models import CategoryEpisode, Person
from persons.tests.conftest import resident_id
from tracing import services
from tracing.models import Exposure, FollowUp, Task
from tracing.tests.conftest import days_ago


@pytest.fixture
def elsewhere(cast, register):
    """王五, registered in 月塘社区 (community B), outside the grid worker of 三元社区's units."""
    return register("王五", 203, grid=cast.grid_b)


def _written_about(person: Person) -> tuple:
    return (Exposure.objects.filter(exposed=person).count(), FollowUp.objects.filter(person=person).count(),
            CategoryEpisode.objects.filter(person=person).count(), Person.objects.get(pk=person.pk).version)


def _assert_referred_once(cast, person: Person, *, reporter) -> None:
    """One urgent verification task about the person in their own unit, given to their community's worker
    (B has no grid worker), saying which area reported them and when; the reporter's audit entry names
    neither the person nor their unit."""
    task = Task.objects.get(person=person)
    assert (task.kind, task.priority, task.unit_path, task.assignee) == (
        "verify", Task.Priority.URGENT, person.unit_path, cast.community_b_worker)
    assert "三元社区" in task.title and days_ago(1).isoformat() in task.title
    assert notifications_about(task).filter(recipient=cast.community_b_worker).exists()
    entry = AuditEntry.objects.get(object_type="tracing.referral")
    assert entry.actor == reporter and entry.unit_path.startswith(cast.community_a.path)
    said = json.dumps([entry.object_repr, entry.after], ensure_ascii=False)
    assert person.name not in said and cast.community_b.name not in said and str(person.pk) not in entry.after.values()


def test_the_api_refers_a_contact_registered_in_another_community_without_naming_them(
        cast, confirmed_case, elsewhere, client_for):
    untouched = _written_about(elsewhere)
    client = client_for(cast.grid_a_worker)
    body = {"source_person_id": confirmed_case.person_id, "last_contact": days_ago(1).isoformat(),
            "contact": {"name": "王小五", "doc_number": elsewhere.doc_number, "grid": cast.grid_a.code}}
    response = client.post("/api/exposures", data=body, content_type="application/json")
    assert response.status_code == 202, response.content
    assert json.loads(response.content) == {"referred": True, "message": str(services.CONTACT_REFERRED)}
    assert _written_about(elsewhere) == untouched
    _assert_referred_once(cast, elsewhere, reporter=cast.grid_a_worker)
    assert json.loads(client.get("/api/tasks").content)["items"] == []  # the referral is B's, not the reporter's
    # Reported again: the same answer, no second referral while the first is open.
    assert client.post("/api/exposures", data=body, content_type="application/json").status_code == 202
    assert Task.objects.filter(person=elsewhere).count() == 1
    # The street officer, whose units hold both communities, links the person as before.
    officer = client_for(cast.street_officer)
    response = officer.post("/api/exposures", data=body, content_type="application/json")
    assert response.status_code == 201 and json.loads(response.content)["exposed"]["name"] == "王五"


def test_the_contact_page_refers_a_contact_registered_in_another_community(cast, confirmed_case, elsewhere,
                                                                           client_for):
    untouched = _written_about(elsewhere)
    client = client_for(cast.grid_a_worker)
    response = client.post(f"/tracing/cases/{confirmed_case.pk}/contacts/new/", {
        "name": "王小五", "doc_type": "resident_id", "doc_number": elsewhere.doc_number, "grid": cast.grid_a.code,
        "last_contact": days_ago(1).isoformat(), "setting": "household", "proximity": "close",
        "certainty": "high"}, follow=True)
    page = response.content.decode()
    assert response.status_code == 200 and str(services.CONTACT_REFERRED) in page
    assert "王五" not in page and "月塘" not in page
    assert _written_about(elsewhere) == untouched
    _assert_referred_once(cast, elsewhere, reporter=cast.grid_a_worker)


def test_a_contact_list_refers_the_rows_registered_in_another_community(cast, confirmed_case, elsewhere,
                                                                        client_for, django_capture_on_commit_callbacks):
    """The name in the file differs from the registered one: for a person of the importer's own units that is
    an error naming the registered name; for one of another community it is never checked, so it says
    nothing about them."""
    untouched = _written_about(elsewhere)
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["姓名", "证件号码", "网格编码", "末次接触日期"])
    writer.writerow(["李明", resident_id(seq=201), cast.grid_a.code, days_ago(1).isoformat()])
    writer.writerow(["王小五", elsewhere.doc_number, "", days_ago(1).isoformat()])
    upload = SimpleUploadedFile("密接名单.csv", text.getvalue().encode("utf-8-sig"), content_type="text/csv")
    type(cast.grid_a_worker).objects.filter(pk=cast.grid_a_worker.pk).update(language="en")  # the import's language
    client = client_for(cast.grid_a_worker)
    with django_capture_on_commit_callbacks(execute=True):  # the background worker imports it once it is stored
        created = client.post(f"/api/cases/{confirmed_case.pk}/contact-imports", {"file": upload})
    assert created.status_code == 202
    response = client.get(f"/api/contact-imports/{created.json()['id']}")
    body = json.loads(response.content)
    assert body["state"] == "done", body
    assert (body["created"], body["linked"], body["errors"]) == (1, 0, [])
    assert "referred" in body["message"] and "王五" not in response.content.decode()
    assert _written_about(elsewhere) == untouched
    _assert_referred_once(cast, elsewhere, reporter=cast.grid_a_worker)
