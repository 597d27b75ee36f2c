"""The legal knowledge base (Chinese words, synonyms, ranking, validity, highlighting) on the database in use,
the hotline's call log (callers masked in lists, scope), and the publicity campaign as a report form."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from core.errors import DomainError
from legal import search as search_module
from legal import services
from legal.demo import CAMPAIGN, ENTRIES, legal_demo
from legal.models import HotlineCall, KnowledgeEntry, PublicityActivity
from legal.search import search
from reports.engine import table_compute
from reports.models import Form

TODAY = dt.date(2026, 11, 29)


@pytest.fixture
def entries(db):
    for question, answer, basis, tags, valid_from, valid_to in ENTRIES:
        services.entry_save(data={"question": question, "answer": answer, "basis": basis, "tags": tags,
                                  "valid_from": valid_from, "valid_to": valid_to}, by=None)
    return {e.question: e for e in KnowledgeEntry.objects.all()}


RENT = ENTRIES[0][0]
RENT_2020 = ENTRIES[1][0]


def test_the_shop_rent_question_finds_the_rent_relief_entry_first(entries):
    hits = search("商铺 疫情 房租 减免", on=TODAY)
    assert hits[0].entry.question == RENT
    assert RENT_2020 not in [h.entry.question for h in hits]  # no longer valid


def test_the_callers_own_words_find_it_too(entries):
    hits = search("自己租的商铺因疫情不能营业可以要求房东减点租金吗", on=TODAY)
    assert hits[0].entry.question == RENT


@pytest.mark.parametrize("query", ["出租人 租金 减少", "房东 房租 减免", "店铺 租金"])
def test_synonyms_find_the_same_entry(entries, query):
    assert search(query, on=TODAY)[0].entry.question == RENT


def test_an_entry_is_found_only_while_it_is_valid(entries):
    in_2020 = [h.entry.question for h in search("商铺 房租 减免", on=dt.date(2020, 6, 1))]
    assert in_2020[0] == RENT_2020 and RENT not in in_2020


def test_matches_are_marked_and_the_rest_escaped(entries):
    services.entry_save(data={"question": "<b>口罩</b>涨价怎么办", "answer": "可以举报哄抬物价。<script>",
                              "valid_from": dt.date(2020, 1, 24)}, by=None)
    hit = next(h for h in search("口罩 涨价", on=TODAY) if h.entry.question.startswith("<b>"))
    assert "&lt;b&gt;<mark>口罩</mark>&lt;/b&gt;<mark>涨价</mark>" in hit.question_html
    assert "<script>" not in hit.snippet_html and "<mark>哄抬物价</mark>" in hit.snippet_html


def test_a_changed_entry_is_found_by_its_new_words_only(entries):
    entry = entries[ENTRIES[9][0]]  # 劳动仲裁 时效
    services.entry_save(entry=entry, data={"question": "疫情期间劳动仲裁的期限如何计算"}, by=None)
    assert entry.pk in [h.entry.pk for h in search("期限", on=TODAY)]
    assert entry.pk not in [h.entry.pk for h in search("耽误", on=TODAY)]


def test_nothing_matching_every_word_ranks_entries_matching_some(entries):
    hits = search("房租 火星", on=TODAY)
    assert hits and hits[0].entry.question in (RENT,)


@pytest.mark.parametrize(("walk", "limit"), [(3, 8), (1000, 4), (1000, 8)])
def test_a_word_in_too_many_entries_to_rank_lists_question_matches_first_newest_first(db, monkeypatch, walk, limit):
    """Beyond RANK_MAX matches the newest come first, those matching in the question before the others, whether
    they are found among the newest entries read in turn (WALK) or, sparser, through the index."""
    monkeypatch.setattr(search_module, "RANK_MAX", 2)
    monkeypatch.setattr(search_module, "WALK", walk)

    def entry(question, answer, valid_to=None):
        return services.entry_save(data={"question": question, "answer": answer, "valid_from": dt.date(2020, 1, 24),
                                         "valid_to": valid_to}, by=None)
    in_question = [entry(f"第{n}批体温计不准怎么办", "可以要求退换。") for n in range(6)]
    entry("过期的体温计问题", "不再适用。", valid_to=dt.date(2021, 1, 1))
    in_answer = [entry(f"第{n}批测温设备不准怎么办", "体温计可以要求退换。") for n in range(4)]
    expected = [e.pk for e in reversed(in_question)] + [e.pk for e in reversed(in_answer)]
    assert [h.entry.pk for h in search("体温计", limit=limit, on=TODAY)] == expected[:limit]


def test_an_entry_needs_its_text_and_a_sane_validity(db):
    with pytest.raises(DomainError) as refused:
        services.entry_save(data={"question": " ", "answer": "x", "valid_from": dt.date(2020, 2, 1),
                                  "valid_to": dt.date(2020, 1, 1)}, by=None)
    assert set(refused.value.fields) == {"question", "valid_to"}
    assert not KnowledgeEntry.objects.exists()


def test_a_call_is_logged_with_its_entries_and_callers_are_masked_in_lists(cast, entries, lawyer, client_for):
    client = client_for(lawyer)
    lookup = client.get("/legal/lookup/", {"question": "商铺不能营业 房东 租金"}).content.decode()
    assert f'name="entries" value="{entries[RENT].pk}"' in lookup

    response = client.post("/legal/calls/new/", {
        "received_at": "2020-02-18T09:12", "caller_name": "刘秀英", "caller_phone": "138 0738 1234",
        "question": "商铺不能营业，能找房东减租金吗", "category": "lease", "answer": "可以协商减免。",
        "follow_up_needed": "on", "follow_up_note": "三日内回访", "entries": [str(entries[RENT].pk)]})

    call = HotlineCall.objects.get()
    assert response.status_code == 302 and call.caller_phone == "13807381234" and call.unit == cast.city
    assert list(call.entries.all()) == [entries[RENT]]
    listing = client.get("/legal/calls/").content.decode()
    assert "刘**" in listing and "138****1234" in listing and "13807381234" not in listing and "刘秀英" not in listing
    assert "13807381234" in client.get(f"/legal/calls/{call.pk}/").content.decode()
    api_list = client.get("/api/legal/calls").json()
    assert api_list[0]["caller"] == "刘** 138****1234" and api_list[0]["caller_phone"] == ""
    assert client.get(f"/api/legal/calls/{call.pk}").json()["caller_phone"] == "13807381234"

    client.post(f"/legal/calls/{call.pk}/follow-up/", {"note": "已回访"})
    call.refresh_from_db()
    assert call.follow_up_done_at is not None and call.follow_up_note == "已回访"


def test_a_call_with_a_wrong_phone_names_the_field_and_saves_nothing(cast, lawyer):
    with pytest.raises(DomainError) as refused:
        services.call_record(unit=cast.city, entries=[], by=lawyer, data={
            "question": "问", "category": "lease", "caller_phone": "12345"})
    assert list(refused.value.fields) == ["caller_phone"]
    assert services.caller_phone_normalize("0738-8312348") == "0738-8312348"
    assert not HotlineCall.objects.exists()


def test_calls_outside_the_scope_answer_404(cast, lawyer_b, client_for, db):
    call = services.call_record(unit=cast.community_a, entries=[], by=None, data={
        "question": "问", "category": "other", "caller_phone": "13807381234"})
    client = client_for(lawyer_b)
    assert client.get(f"/legal/calls/{call.pk}/").status_code == 404
    assert client.get(f"/api/legal/calls/{call.pk}").status_code == 404
    assert client.get("/api/legal/calls").json() == []
    assert client_for(cast.community_a_worker).get("/legal/calls/").status_code == 403


def test_anyone_signed_in_searches_but_only_managers_edit(cast, entries, client_for):
    client = client_for(cast.grid_a_worker)
    page = client.get("/legal/", {"q": "隐瞒 行程"}).content.decode()
    assert "<mark>隐瞒" in page
    assert client.get(f"/legal/entries/{entries[RENT].pk}/edit/").status_code == 403
    assert client.post("/api/legal/entries", data=json.dumps({"question": "q", "answer": "a",
                                                              "valid_from": "2020-01-01"}),
                       content_type="application/json").status_code == 403
    found = client.get("/api/legal/search", {"q": "商铺 疫情 房租 减免"}).json()
    assert found[0]["question"] == RENT and "<mark>" in found[0]["question_html"]


def test_the_campaign_form_adds_up_the_activities(cast, db):
    """The demo's campaign: the form's totals are the sums of the activity rows, and the seed's figures."""
    from orgunits.models import OrgUnit

    city = cast.city
    for code, name in [("431321", "双峰县"), ("431322", "新化县"), ("431381", "冷水江市"), ("431382", "涟源市")]:
        OrgUnit.objects.create(code=code, name=name, kind=OrgUnit.Kind.COUNTY, parent=city, path=city.path + code + "/",
                               depth=city.depth + 1, source="official")
    with override_city(city.code):
        legal_demo()
    form = Form.objects.get(code="legal_publicity_monthly")

    table = table_compute(form=form, unit=city, day=dt.date(2020, 5, 31))

    sums = {kind: sum(PublicityActivity.objects.filter(kind=kind).values_list("quantity", flat=True))
            for kind in CAMPAIGN}
    assert {k: Decimal(table.total[k]) for k in CAMPAIGN} == sums
    assert {k: int(v) for k, v in sums.items()} == {k: total for k, (total, _rows) in CAMPAIGN.items()}
    assert table.total["booklets"] > 50_000 and table.total["events"] == 50 and table.total["vehicles"] == 100
    assert table.total["vehicle_rounds"] > 400 and table.total["broadcast_hours"] > 6_000
    assert table.total["wechat_posts"] > 20_000 and 100_000 <= table.total["views"] < 110_000
    may = sum(PublicityActivity.objects.filter(kind="booklets", day__gte=dt.date(2020, 5, 1))
              .values_list("quantity", flat=True))
    assert table.total["booklets_month"] == may
    rows = {r["unit"]: r["cells"]["booklets"] for r in table.rows}
    assert sum(rows.values()) == table.total["booklets"] and len(rows) == 5


def test_an_activity_needs_a_positive_quantity_and_a_past_day(cast):
    with pytest.raises(DomainError) as refused:
        services.activity_record(unit=cast.county, kind="leaflets", quantity="-3", by=None,
                                 day=timezone.localdate() + dt.timedelta(days=1))
    assert set(refused.value.fields) == {"kind", "quantity", "day"}
    assert not PublicityActivity.objects.exists()


def override_city(code):
    from unittest import mock

    return mock.patch("legal.demo.DEMO_CITY", code)
