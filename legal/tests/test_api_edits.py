"""A knowledge entry's edit and a hotline call's follow-up through the API: the pages' services, scope and audit."""

import json

from core.models import AuditEntry
from legal import services
from legal.models import HotlineCall, KnowledgeEntry
from legal.search import search


def _send(client, method, url, body):
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def _entry() -> KnowledgeEntry:
    return services.entry_save(data={"question": "疫情期间商铺租金能否减免？", "answer": "可以协商减免。",
                                     "basis": "民法典", "tags": "房租", "valid_from": "2020-02-01"}, by=None)


def test_a_lawyer_changes_a_knowledge_entry_through_the_api_and_it_is_found_by_its_new_words(cast, lawyer,
                                                                                             client_for):
    entry = _entry()
    response = _send(client_for(lawyer), "put", f"/api/legal/entries/{entry.pk}", {
        "question": "隔离期间工资怎么发？", "answer": "按正常出勤支付。", "basis": "劳动合同法", "tags": "工资",
        "valid_from": "2020-02-01", "valid_to": None})
    assert response.status_code == 200, response.content
    assert response.json()["question"] == "隔离期间工资怎么发？"
    entry.refresh_from_db()
    assert entry.answer == "按正常出勤支付。" and [h.entry for h in search("隔离 工资")] == [entry]
    assert AuditEntry.objects.filter(object_type="legal.knowledgeentry", object_id=str(entry.pk), action="update",
                                     actor=lawyer).exists()


def test_an_entry_edit_through_the_api_is_refused_as_on_its_page(cast, lawyer, client_for):
    entry = _entry()
    body = {"question": "改", "answer": "改", "valid_from": "2020-02-01"}
    worker = _send(client_for(cast.grid_a_worker), "put", f"/api/legal/entries/{entry.pk}", body)
    assert worker.status_code == 403
    bad = _send(client_for(lawyer), "put", f"/api/legal/entries/{entry.pk}", {**body, "valid_to": "2020-01-01"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_entry" and "valid_to" in bad.json()["fields"]
    missing = _send(client_for(lawyer), "put", "/api/legal/entries/987654321", body)
    assert missing.status_code == 404 and missing.json()["code"]
    entry.refresh_from_db()
    assert entry.question == "疫情期间商铺租金能否减免？"


def test_a_lawyer_records_a_calls_follow_up_through_the_api_once(cast, lawyer, client_for):
    call = services.call_record(unit=cast.community_a, entries=[], by=lawyer, data={
        "question": "隐瞒行程的责任", "category": "other", "follow_up_needed": True, "follow_up_note": "三日内回访"})
    client = client_for(lawyer)
    response = _send(client, "post", f"/api/legal/calls/{call.pk}/follow-up", {"note": "已回访"})
    assert response.status_code == 200 and response.json()["follow_up_done_at"] is not None
    call.refresh_from_db()
    assert call.follow_up_note == "已回访" and AuditEntry.objects.filter(
        object_type="legal.hotlinecall", object_id=str(call.pk), action="update", actor=lawyer).exists()
    again = _send(client, "post", f"/api/legal/calls/{call.pk}/follow-up", {})
    assert again.status_code == 409 and again.json()["code"] == "follow_up_done"
    assert again.json()["message"] == "已记录过回访。"


def test_another_communitys_call_answers_a_follow_up_through_the_api_as_a_missing_one(cast, lawyer_b, client_for):
    call = services.call_record(unit=cast.community_a, entries=[], by=None, data={
        "question": "问", "category": "other", "follow_up_needed": True})
    client = client_for(lawyer_b)
    theirs = _send(client, "post", f"/api/legal/calls/{call.pk}/follow-up", {"note": "越界"})
    missing = _send(client, "post", "/api/legal/calls/987654321/follow-up", {"note": "越界"})
    assert theirs.status_code == missing.status_code == 404 and theirs.json() == missing.json()
    assert HotlineCall.objects.get().follow_up_done_at is None
