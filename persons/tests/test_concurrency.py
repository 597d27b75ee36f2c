"""Two people editing the same person: whoever saves second, on the page or through the API, is refused with
a conflict that says so, and the first one's change stays as it was saved."""

import json
import re

from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from persons import services
from persons.models import Person

CONFLICT = "Someone else changed this person after you opened it; reload to see their change, then edit again."


def _conflict_text() -> str:
    with translation.override("zh-hans"):
        return gettext(CONFLICT)


def _form(person: Person, version: int, **changes) -> dict:
    data = {"name": person.name, "doc_type": person.doc_type, "doc_number": person.doc_number,
            "grid": person.grid.code, "phone": person.phone, "address": person.address, "version": version}
    return {**data, **changes}


def _version_on(page: str) -> int:
    return int(re.search(r'name="version" value="(\d+)"', page)[1])


def test_the_second_save_on_the_page_is_refused_and_the_first_stays(cast, person_data, client_for):
    person = services.person_register(data=person_data(), by=None)
    grid_worker, community_worker = client_for(cast.grid_a_worker), client_for(cast.community_a_worker)
    url = f"/persons/{person.pk}/edit/"
    # both open the form: each carries the version it was drawn from
    seen_by_grid = _version_on(grid_worker.get(url).content.decode())
    seen_by_community = _version_on(community_worker.get(url).content.decode())
    assert seen_by_grid == seen_by_community == person.version

    first = grid_worker.post(url, _form(person, seen_by_grid, address="三元社区2栋"))
    assert first.status_code == 302
    second = community_worker.post(url, _form(person, seen_by_community, phone="13999999999"))
    assert second.status_code == 200  # the form again, with what was typed and the reason
    page = second.content.decode()
    assert escape(_conflict_text()) in page and "13999999999" in page

    person.refresh_from_db()
    assert (person.address, person.phone, person.version) == ("三元社区2栋", "13812345678", seen_by_grid + 1)


def test_the_second_patch_through_the_api_is_a_409_and_the_first_stays(cast, person_data, client_for):
    person = services.person_register(data=person_data(), by=None)
    grid_worker, community_worker = client_for(cast.grid_a_worker), client_for(cast.community_a_worker)
    url = f"/api/persons/{person.pk}"
    seen_by_grid = grid_worker.get(url).json()["version"]
    seen_by_community = community_worker.get(url).json()["version"]

    first = grid_worker.patch(url, json.dumps({"version": seen_by_grid, "address": "三元社区2栋"}),
                              content_type="application/json")
    assert first.status_code == 200 and first.json()["version"] == seen_by_grid + 1
    second = community_worker.patch(url, json.dumps({"version": seen_by_community, "address": "三元社区9栋"}),
                                    content_type="application/json")
    assert second.status_code == 409
    assert second.json()["code"] == "conflict" and second.json()["message"] == _conflict_text()

    person.refresh_from_db()
    assert (person.address, person.version) == ("三元社区2栋", seen_by_grid + 1)
    # read again, the same change goes through
    again = community_worker.patch(url, json.dumps({"version": person.version, "address": "三元社区9栋"}),
                                   content_type="application/json")
    assert again.status_code == 200 and again.json()["address"] == "三元社区9栋"
