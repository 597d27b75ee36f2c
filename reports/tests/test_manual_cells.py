"""Manual cells (form 5's 涉及小区数): blank blocks submission, naming the row unit and the column; 0 or 无 is an
answer; a wrong value keeps what was typed and says in Chinese what is expected; no internal key, field name or
English reaches a message, on the page or in the API's message."""

import datetime as dt
import re

import pytest

from core.errors import DomainError
from reports import services
from reports.models import Submission

DAY = dt.date(2020, 5, 21)
CELL_KEY = re.compile(r"\d{12}\.\w+")  # a row unit's code and a column key, e.g. 431302004001.compounds


@pytest.fixture
def draft(cast, forms):
    """The street's form 5 (confirmed cases, with the manual column 涉及小区数), computed."""
    return services.submission_compute(form=forms["confirmed_daily"], unit=cast.street, day=DAY,
                                       by=cast.street_officer)


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_a_blank_manual_cell_blocks_submission_naming_its_unit_and_column(cast, draft, client_for):
    client = client_for(cast.street_officer)
    response = client.post(f"/reports/s/{draft.pk}/action/", {
        "action": "submit", "lock_version": draft.lock_version,
        f"cell:{cast.community_a.code}:compounds": "2", f"cell:{cast.community_b.code}:compounds": ""})

    assert response.status_code == 400 and Submission.objects.get(pk=draft.pk).state == "draft"
    page = response.content.decode()
    message = re.search(r'<li class="error">(.*?)</li>', page, re.S).group(1)
    assert "月塘社区·涉及小区数" in message and "三元社区" not in message  # 三元社区 answered 2
    assert "没有就填 0 或“无”" in message
    assert not CELL_KEY.search(message) and "compounds" not in message
    # The reason stands beside the blank input; what was typed in the other one is kept.
    assert re.search(rf'name="cell:{cast.community_b.code}:compounds" value="" [^>]*aria-invalid="true"', page)
    assert "必填：请填写非负整数" in page
    assert f'name="cell:{cast.community_a.code}:compounds" value="2"' in page


def test_zero_or_wu_answers_a_manual_cell(cast, draft):
    with pytest.raises(DomainError) as blank:
        services.submission_submit(submission=draft, by=cast.street_officer)
    assert blank.value.code == "manual_blank"
    assert set(blank.value.fields) == {f"{cast.community_a.code}.compounds", f"{cast.community_b.code}.compounds"}
    draft.refresh_from_db()  # recomputed by the attempt: the version the page now shows
    filled = services.submission_manual_set(
        submission=draft, values={cast.community_a.code: {"compounds": "无"}, cast.community_b.code: {"compounds": "０"}},
        lock_version=draft.lock_version, by=cast.street_officer)
    assert [r["cells"]["compounds"] for r in filled.values["rows"]] == [0, 0]  # 无 is stored as 0
    assert services.submission_submit(submission=filled, by=cast.street_officer).state == "submitted"


def test_a_wrong_value_keeps_what_was_typed_and_says_what_is_expected(cast, draft, client_for):
    client = client_for(cast.street_officer)
    response = client.post(f"/reports/s/{draft.pk}/action/", {
        "action": "manual", "lock_version": draft.lock_version,
        f"cell:{cast.community_a.code}:compounds": "两个", f"cell:{cast.community_b.code}:compounds": "1"})

    assert response.status_code == 400
    assert Submission.objects.get(pk=draft.pk).manual == {}  # nothing saved
    page = response.content.decode()
    assert f'name="cell:{cast.community_a.code}:compounds" value="两个"' in page
    assert f'name="cell:{cast.community_b.code}:compounds" value="1"' in page
    message = re.search(r'<li class="error">(.*?)</li>', page, re.S).group(1)
    assert "三元社区·涉及小区数" in message and "两个" in message and "请填写非负整数，如 2" in message
    beside = re.search(r'<span class="errorlist cell-error"[^>]*>(.*?)</span>', page).group(1)
    assert beside == "请填写非负整数，如 2；没有就填 0 或“无”。"
    said = _text(message + beside)
    assert not CELL_KEY.search(_text(page))  # nowhere in what the page says
    assert not re.search(r"[A-Za-z]{3,}", said), said  # no key, no field name, no English


def test_the_api_names_the_wrong_cell_in_words_and_keys_it_for_programs(cast, draft, client_for):
    response = client_for(cast.street_officer).post(
        f"/api/reports/submissions/{draft.pk}/manual", {"values": {cast.community_b.code: {"compounds": "两个"}}},
        content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["fields"] == {f"{cast.community_b.code}.compounds": ["请填写非负整数，如 2；没有就填 0 或“无”。"]}
    assert "月塘社区·涉及小区数" in body["message"] and not CELL_KEY.search(body["message"])


def test_returning_without_a_reason_says_so_beside_the_comment_without_its_field_name(cast, draft, client_for):
    filled = services.submission_manual_set(submission=draft, values={cast.community_a.code: {"compounds": 0},
                                                                      cast.community_b.code: {"compounds": 0}},
                                            lock_version=None, by=cast.street_officer)
    services.submission_submit(submission=filled, by=cast.street_officer)
    response = client_for(cast.city_admin).post(f"/reports/s/{draft.pk}/action/", {"action": "return",
                                                                                   "comment": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert re.search(r'<li class="error">请说明退回原因。</li>', page)
    assert "退回报表时必填" in page.split('name="comment"')[1]  # beside the field
    assert "comment:" not in page and "comment：" not in page
