"""Two officers typing the manual cells of the same report: whoever saves second, on the page or through the
API, is refused with a conflict that says so, and the first one's cells stay as they were saved."""

import json
import re

import pytest
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from reports import services
from reports.models import Submission
from reports.tests.test_exports import DAY, evening  # noqa: F401 (fixture)

CONFLICT = "Someone else changed this report after you opened it; reload it."

pytestmark = pytest.mark.usefixtures("evening")


def _conflict_text() -> str:
    with translation.override("zh-hans"):
        return gettext(CONFLICT)


@pytest.fixture
def draft(cast, forms):
    """The street's draft of the confirmed-cases report of the day: its `compounds` column is typed by hand."""
    return services.submission_compute(form=forms["confirmed_daily"], unit=cast.street, day=DAY,
                                       by=cast.street_officer)


def test_the_second_save_on_the_page_is_refused_and_the_first_stays(cast, draft, client_for):
    officer, admin = client_for(cast.street_officer), client_for(cast.city_admin)
    page_url, action_url = f"/reports/s/{draft.pk}/", f"/reports/s/{draft.pk}/action/"
    cell = f"cell:{cast.community_b.code}:compounds"
    seen = [int(re.search(r'name="lock_version" value="(\d+)"', c.get(page_url).content.decode())[1])
            for c in (officer, admin)]
    assert seen == [draft.lock_version] * 2

    first = officer.post(action_url, {"action": "manual", "lock_version": seen[0], cell: "2"})
    assert first.status_code == 302
    second = admin.post(action_url, {"action": "manual", "lock_version": seen[1], cell: "7"}, follow=True)
    assert escape(_conflict_text()) in second.content.decode()

    draft.refresh_from_db()
    assert draft.manual == {cast.community_b.code: {"compounds": 2}}
    assert draft.values["total"]["compounds"] == 2


def test_the_second_save_through_the_api_is_a_409_and_the_first_stays(cast, draft, client_for):
    officer, admin = client_for(cast.street_officer), client_for(cast.city_admin)
    url = f"/api/reports/submissions/{draft.pk}"
    seen = [c.get(url).json()["lock_version"] for c in (officer, admin)]

    def save(client, lock_version, compounds):
        body = {"values": {cast.community_b.code: {"compounds": compounds}}, "lock_version": lock_version}
        return client.post(f"{url}/manual", json.dumps(body), content_type="application/json")

    first = save(officer, seen[0], 2)
    assert first.status_code == 200 and first.json()["lock_version"] > seen[0]
    second = save(admin, seen[1], 7)
    assert second.status_code == 409
    assert second.json()["code"] == "conflict" and second.json()["message"] == _conflict_text()

    current = Submission.objects.get(pk=draft.pk)
    assert current.manual == {cast.community_b.code: {"compounds": 2}}
    assert current.lock_version == first.json()["lock_version"]
