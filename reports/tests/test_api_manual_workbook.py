"""A draft's manual cells from the exported workbook through the API, as the report's page imports them: the same
cells saved and recomputed, a stale lock version a conflict, every mistake named by its cell in the reader's
language, and nothing of another unit's reports reached."""

import io

import pytest

from core.models import AuditEntry
from reports.tests.test_exports import _confirmed_draft, _edited, day_people, evening  # noqa: F401 (fixtures)

pytestmark = pytest.mark.usefixtures("day_people")


def _upload(data: bytes, name: str = "confirmed.xlsx") -> io.BytesIO:
    upload = io.BytesIO(data)
    upload.name = name
    return upload


def test_the_manual_cells_come_back_from_the_workbook_as_on_the_page(cast, client_for):
    draft = _confirmed_draft(cast)
    client = client_for(cast.street_officer)

    response = client.post(f"/api/reports/submissions/{draft.pk}/manual-workbook",
                           {"file": _upload(_edited(cast, lambda sheet: sheet.__setitem__("F7", 1))),
                            "lock_version": draft.lock_version})

    assert response.status_code == 200, response.content
    assert response.json()["total"]["compounds"] == 1
    draft.refresh_from_db()
    assert draft.manual == {cast.community_b.code: {"compounds": 1}}
    assert AuditEntry.objects.filter(object_type="reports.submission", object_id=str(draft.pk)).exists()
    stale = client.post(f"/api/reports/submissions/{draft.pk}/manual-workbook",
                        {"file": _upload(_edited(cast, lambda sheet: sheet.__setitem__("F7", 2))),
                         "lock_version": response.json()["lock_version"] - 1})
    assert stale.status_code == 409


def test_a_mistake_is_named_by_its_cell_in_chinese_and_nothing_is_saved(cast, client_for):
    draft = _confirmed_draft(cast)
    client = client_for(cast.street_officer)
    url = f"/api/reports/submissions/{draft.pk}/manual-workbook"

    spoiled = client.post(url, {"file": _upload(_edited(cast, lambda sheet: sheet.__setitem__("F7", "两个")))},
                          HTTP_ACCEPT_LANGUAGE="zh-hans")
    missing = client.post(url, {}, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert spoiled.status_code == 400 and "F7" in str(spoiled.json())
    assert missing.status_code == 400 and missing.json()["fields"]["file"] == ["请选择要导入的 xlsx 文件。"]
    draft.refresh_from_db()
    assert draft.manual == {}


def test_another_units_draft_is_not_found(cast, client_for):
    draft = _confirmed_draft(cast)
    for user in (cast.other_street_officer, cast.community_b_worker):
        response = client_for(user).post(f"/api/reports/submissions/{draft.pk}/manual-workbook",
                                         {"file": _upload(b"x")})
        assert response.status_code == 404
