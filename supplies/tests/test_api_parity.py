"""What the gift's, the need's and the auditor's pages do, done through the API: a gift's direction, a delivery and a
purchase against a need, the findings' export. The same services (same rows, same audit entries), the same scope
(404 outside it) and the same refusals, in Chinese."""

import csv
import datetime as dt
import io
from decimal import Decimal as D

from core.models import AuditEntry
from supplies.models import Donation, Voucher
from supplies.tests.conftest import approved_request


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_street_officer_directs_a_gift_through_the_api_and_the_audit_keeps_the_change(cast, depot, gift, client_for):
    donation = gift()
    response = _post(client_for(cast.street_officer), f"/api/supplies/donations/{donation.pk}/direction",
                     {"directed": True, "direction_unit": cast.community_a.code, "direction_note": "捐赠人来信"})
    assert response.status_code == 200, response.content
    assert (response.json()["directed"], response.json()["direction_unit"]) == (True, cast.community_a.code)
    donation.refresh_from_db()
    assert donation.direction_unit == cast.community_a and donation.direction_note == "捐赠人来信"
    entry = AuditEntry.objects.get(object_type="supplies.donation", object_id=str(donation.pk), action="update")
    assert entry.actor == cast.street_officer and entry.before["directed"] is False and entry.after["directed"]


def test_a_directed_gift_names_a_known_unit_or_is_refused_in_chinese(cast, depot, gift, client_for):
    donation, client = gift(), client_for(cast.street_officer)
    url = f"/api/supplies/donations/{donation.pk}/direction"
    no_unit = _post(client, url, {"directed": True})
    assert no_unit.status_code == 400 and no_unit.json()["fields"] == {"direction_unit": ["必填。"]}
    unknown = _post(client, url, {"directed": True, "direction_unit": "431302004099"})
    assert unknown.status_code == 400 and unknown.json()["fields"] == {"direction_unit": ["未知区划。"]}
    donation.refresh_from_db()
    assert donation.directed is False


def test_directing_a_gift_outside_the_callers_scope_answers_as_a_missing_one(cast, depot, gift, client_for):
    theirs = gift(name="月塘居民", at=depot.store_b)
    client = client_for(cast.community_a_worker)
    body = {"directed": False, "direction_note": "越界"}
    outside = _post(client, f"/api/supplies/donations/{theirs.pk}/direction", body)
    missing = _post(client, "/api/supplies/donations/987654321/direction", body)
    assert outside.status_code == missing.status_code == 404 and outside.json() == missing.json()
    assert Donation.objects.get(pk=theirs.pk).direction_note == ""


def test_street_officer_delivers_against_an_approved_need_through_the_api(cast, depot, gift, client_for):
    gift()
    need = approved_request(depot.store_a, depot.n95, "500")
    client = client_for(cast.street_officer)
    response = _post(client, f"/api/supplies/requests/{need.pk}/deliveries", {
        "source_id": depot.warehouse.pk, "item": "mask-n95", "quantity": "100", "occurred_on": "2020-02-20",
        "note": "首批"})
    assert response.status_code == 201, response.content
    voucher = Voucher.objects.get(pk=response.json()["id"])
    assert (voucher.kind, voucher.request_id, voucher.note) == ("distribution", need.pk, "首批")
    assert voucher.lines.get(location=depot.store_a).quantity == D("100")
    assert AuditEntry.objects.filter(object_type="supplies.voucher", object_id=str(voucher.pk),
                                     actor=cast.street_officer).exists()
    assert D(client.get(f"/api/supplies/requests/{need.pk}").json()["delivered"]) == D("100")


def test_a_delivery_is_refused_to_those_who_post_nowhere_and_from_a_store_outside_scope(cast, depot, gift,
                                                                                        client_for):
    gift()
    need = approved_request(depot.store_a, depot.n95, "500")
    body = {"source_id": depot.warehouse.pk, "item": "mask-n95", "quantity": "1", "occurred_on": "2020-02-20"}
    viewer = _post(client_for(cast.grid_a_worker), f"/api/supplies/requests/{need.pk}/deliveries", body)
    from_street = _post(client_for(cast.community_a_worker), f"/api/supplies/requests/{need.pk}/deliveries", body)
    other = _post(client_for(cast.community_b_worker), f"/api/supplies/requests/{need.pk}/deliveries",
                  {**body, "source_id": depot.store_b.pk})
    assert viewer.status_code == from_street.status_code == other.status_code == 404
    assert not Voucher.objects.filter(request=need).exists()


def test_street_officer_buys_for_a_need_through_the_api_paid_from_the_street_account(cast, depot, money_gift,
                                                                                     client_for):
    money_gift(at=depot.street_account, amount="2000")
    need = approved_request(depot.store_a, depot.n95, "500")
    response = _post(client_for(cast.street_officer), f"/api/supplies/requests/{need.pk}/purchases", {
        "account_id": depot.street_account.pk, "target_id": depot.warehouse.pk, "item": "mask-n95",
        "quantity": "200", "value": "600", "occurred_on": "2020-02-20", "counterparty": "长青大药房",
        "document": "发票001"})
    assert response.status_code == 201, response.content
    voucher = Voucher.objects.get(pk=response.json()["id"])
    assert (voucher.kind, voucher.request_id, voucher.counterparty, voucher.document) == (
        "purchase", need.pk, "长青大药房", "发票001")
    assert voucher.lines.get(location=depot.warehouse).value == D("600")
    assert voucher.lines.get(location=depot.street_account).quantity == D("-600")


def test_a_purchase_without_a_supplier_is_refused_in_chinese_and_books_nothing(cast, depot, money_gift, client_for):
    money_gift(at=depot.street_account, amount="2000")
    need = approved_request(depot.store_a, depot.n95, "500")
    response = _post(client_for(cast.street_officer), f"/api/supplies/requests/{need.pk}/purchases", {
        "account_id": depot.street_account.pk, "target_id": depot.warehouse.pk, "item": "mask-n95",
        "quantity": "200", "value": "600", "occurred_on": "2020-02-20", "counterparty": " "})
    assert response.status_code == 400 and response.json()["fields"] == {"counterparty": ["必填。"]}
    assert not Voucher.objects.filter(kind="purchase").exists()


def test_the_auditor_exports_the_findings_through_the_api_as_from_the_audit_page(cast, depot, gift, client_for):
    gift(day=dt.date(2020, 1, 5))
    client = client_for(depot.auditor)
    query = {"start": "2020-01-01", "end": "2020-02-29"}
    api = client.get("/api/supplies/audit/export", {**query, "fmt": "csv"})
    page = client.get("/supplies/audit/export.csv", query)
    assert api.status_code == 200 and api["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(api.content.decode("utf-8-sig"))))
    assert rows == list(csv.reader(io.StringIO(page.content.decode("utf-8-sig"))))
    assert rows[0] == ["核查项编码", "核查项", "日期", "凭证", "捐赠", "地点", "物资", "数额", "核查发现"] and len(rows) == 3
    assert AuditEntry.objects.filter(action="export", actor=depot.auditor, object_type="supplies.finding").count() == 2
    assert client.get("/api/supplies/audit/export", {**query, "fmt": "pdf"}).status_code == 422


def test_the_findings_export_is_refused_to_those_who_do_not_audit_and_for_a_backward_range(cast, depot, client_for):
    refused = client_for(cast.grid_a_worker).get("/api/supplies/audit/export",
                                                 {"start": "2020-01-01", "end": "2020-02-29"})
    assert refused.status_code == 403
    backward = client_for(depot.auditor).get("/api/supplies/audit/export", {"start": "2020-02-01", "end": "2020-01-01"})
    assert backward.status_code == 400 and backward.json()["fields"] == {"end": ["早于开始日期。"]}
    assert not AuditEntry.objects.filter(action="export").exists()
