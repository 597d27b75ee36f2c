"""What registering and editing people tells about people and units outside the caller's scope: nothing. A document
held in another community is refused with one answer whoever holds it (one Person per real person, so it cannot
be registered again), naming no one; a grid code outside the caller's units is answered as an unknown code."""

import csv
import io
import json

import pytest
from django.core.files.base import ContentFile

from core.fields import SEPARATOR
from orgunits.models import OrgUnit
from persons import services
from persons.models import Person
from persons.tests.conftest import resident_id


@pytest.fixture
def people(cast, person_data):
    """张三 in grid A; 李四 in community B; 赵六 in a grid of another street."""
    other_grid = OrgUnit.objects.create(code="431302001001-01", name="乐坪社区第一网格", kind=OrgUnit.Kind.GRID,
                                        parent=cast.other_street, source="local",
                                        path=f"{cast.other_street.path}431302001001-01{SEPARATOR}",
                                        depth=cast.other_street.depth + 1)
    own = services.person_register(data=person_data(), by=None)
    in_b = services.person_register(data=person_data(name="李四", doc_number=resident_id(seq=222),
                                                     grid=cast.grid_b.code), by=None)
    in_c = services.person_register(data=person_data(name="赵六", doc_number=resident_id(seq=333),
                                                     grid=other_grid.code), by=None)
    return own, in_b, in_c


def _answer(response, typed: str = "") -> tuple:
    """Status and body of an API answer, with what the caller typed taken out."""
    return response.status_code, response.content.decode().replace(typed, "<typed>") if typed else response.content


def test_a_document_held_in_another_community_is_refused_naming_no_one(cast, people, person_data, client_for):
    own, in_b, in_c = people
    client = client_for(cast.grid_a_worker)
    answers = []
    for holder in (in_b, in_c):
        response = client.post("/api/persons", data=person_data(name="新登记", doc_number=holder.doc_number),
                               content_type="application/json")
        body = json.loads(response.content)
        assert response.status_code == 409 and body["code"] == "registered_elsewhere", body
        assert holder.name not in response.content.decode() and "月塘" not in response.content.decode()
        answers.append(_answer(response, holder.doc_number))
        patched = client.patch(f"/api/persons/{own.pk}", data={"version": own.version, "doc_number": holder.doc_number},
                               content_type="application/json")
        answers.append(_answer(patched, holder.doc_number))
    assert len(set(answers)) == 1, answers  # the same whoever holds it, on register and on edit
    assert Person.objects.count() == 3 and Person.objects.get(pk=own.pk).doc_number == own.doc_number
    page = client.post("/persons/new/", person_data(name="新登记", doc_number=in_b.doc_number)).content.decode()
    assert "李四" not in page and f"#{in_b.pk}" not in page and "registered_elsewhere" not in page
    assert Person.objects.count() == 3
    # Whoever may see the holder is told who it is, as before.
    response = client_for(cast.street_officer).post(
        "/api/persons", data=person_data(name="新登记", doc_number=in_b.doc_number), content_type="application/json")
    assert response.status_code == 409 and json.loads(response.content)["code"] == "duplicate_person"
    assert f"#{in_b.pk}" in json.loads(response.content)["message"]


def test_a_grid_code_outside_the_caller_s_units_is_answered_as_an_unknown_one(cast, person_data, client_for):
    client = client_for(cast.grid_a_worker)
    answers = {code: _answer(client.post("/api/persons", data=person_data(grid=code),
                                         content_type="application/json"), code)
               for code in (cast.grid_b.code, "431302004099-99")}
    assert answers[cast.grid_b.code] == answers["431302004099-99"], answers
    assert answers[cast.grid_b.code][0] == 400 and not Person.objects.exists()


def test_an_import_names_grid_codes_outside_the_importer_s_units_as_unknown_ones(
        cast, client_for, django_capture_on_commit_callbacks):
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["姓名", "证件号码", "网格编码"])
    writer.writerow(["李明", resident_id(seq=201), cast.grid_b.code])
    writer.writerow(["赵红", resident_id(seq=202), "431302004099-99"])
    client = client_for(cast.community_a_worker)
    with django_capture_on_commit_callbacks(execute=True):
        job = client.post("/api/person-imports", {"unit": cast.community_a.code, "keep_valid": "true",
                                                  "file": ContentFile(text.getvalue().encode("utf-8-sig"),
                                                                      name="people.csv")}).json()
    status = client.get(f"/api/person-imports/{job['id']}").json()
    assert (status["state"], status["created"], status["error_rows"]) == ("done", 0, 2), status
    download = b"".join(client.get(status["error_file"]).streaming_content).decode("utf-8-sig")
    reasons = [row[-1].split("：", 1)[-1] for row in csv.reader(io.StringIO(download))][1:]  # without "row n："
    assert reasons[0].replace(cast.grid_b.code, "<code>") == reasons[1].replace("431302004099-99", "<code>"), reasons
    assert "月塘" not in download
