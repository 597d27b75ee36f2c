"""Supplies through HTTP: the warehouse keeper's, the community's and the auditor's pages, the API, scope
(community B's objects answer 404 to community A), and the auditor who reads everything and changes nothing."""

import csv
import io
import json
from decimal import Decimal as D
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from core.models import AuditEntry
from supplies import services
from supplies.models import Allocation, Donation, Donor, ItemPrice, Location, Publication, Request, Voucher
from supplies.tests.conftest import DAY


@pytest.fixture
def books(cast, depot, gift):
    """A gift in the street's warehouse given out to both communities; a gift received in 月塘社区 itself;
    a need of each community (A's approved)."""
    donation = gift()
    to_a = services.distribution_post(source=depot.warehouse, target=depot.store_a, lines=[(depot.n95, "300")],
                                      occurred_on=DAY, by=None)
    to_b = services.distribution_post(source=depot.warehouse, target=depot.store_b, lines=[(depot.n95, "200")],
                                      occurred_on=DAY, by=None)
    donation_b = gift(name="月塘居民", at=depot.store_b, lines=[(depot.suit, D("20"))])
    request_a = services.request_submit(location=depot.store_a, item=depot.n95, quantity="500", by=None)
    request_a = services.request_decide(request=request_a, approve=True, by=None)
    request_b = services.request_submit(location=depot.store_b, item=depot.n95, quantity="300", by=None)
    return SimpleNamespace(donation=donation, to_a=to_a, to_b=to_b, donation_b=donation_b, request_a=request_a,
                           request_b=request_b)


def test_the_warehouse_keeper_sees_balances_per_gift_and_gives_to_a_resident(cast, depot, books, client_for):
    from persons.models import Person

    client = client_for(cast.community_a_worker)
    page = client.get(f"/supplies/locations/{depot.store_a.pk}/").content.decode()
    assert "300" in page and "长青商会" in page
    resident = Person.objects.create(name="三元居民", doc_number="431302199001011239", grid=cast.grid_a,
                                     unit_path=cast.grid_a.path)
    response = client.post(f"/supplies/locations/{depot.store_a.pk}/move/", {
        "kind": "distribution", "item": depot.n95.pk, "quantity": "20", "person": resident.pk,
        "occurred_on": "2020-02-20"})
    voucher = Voucher.objects.get(person=resident)
    assert response.status_code == 302 and response["Location"] == f"/supplies/vouchers/{voucher.pk}/"
    assert voucher.lines.get(quantity__gt=0).location.kind == Location.Kind.CONSUMED
    card = client.get(f"/supplies/locations/{depot.store_a.pk}/card/{depot.n95.pk}/").content.decode()
    assert "280" in card
    refused = client.post(f"/supplies/locations/{depot.store_a.pk}/move/", {
        "kind": "consumption", "item": depot.n95.pk, "quantity": "1000", "occurred_on": "2020-02-20"}, follow=True)
    assert "1000" in refused.content.decode() and Voucher.objects.filter(kind="consumption").count() == 0


def test_the_community_posts_a_need_and_the_street_approves_and_delivers(cast, depot, books, client_for):
    community = client_for(cast.community_a_worker)
    response = community.post("/supplies/requests/new/", {"location": depot.store_a.pk, "item": depot.suit.pk,
                                                           "quantity": "40", "urgency": 3, "reason": "卡点"})
    need = Request.objects.get(item=depot.suit)
    assert response.status_code == 302 and need.created_by == cast.community_a_worker
    assert "防护服" in community.get("/supplies/requests/").content.decode()
    street = client_for(cast.street_officer)
    street.post(f"/supplies/requests/{need.pk}/decide/", {"approve": "yes", "quantity": "30"})
    need.refresh_from_db()
    assert need.state == "approved" and need.approved_quantity == D("30")
    services.donation_register(donor=books.donation.donor, kind=Donation.Kind.GOODS, received_on=DAY,
                               channel="delivery", recipient=depot.warehouse, lines=[(depot.suit, D("50"), D(0))],
                               by=None)
    street.post(f"/supplies/requests/{need.pk}/allocate/", {"source": depot.warehouse.pk, "quantity": "30"})
    assert Allocation.objects.filter(request=need).count() == 1
    street.post(f"/supplies/requests/{need.pk}/deliver/", {"source": depot.warehouse.pk, "item": depot.suit.pk,
                                                           "quantity": "30", "occurred_on": "2020-02-21"})
    page = community.get(f"/supplies/requests/{need.pk}/").content.decode()
    assert Voucher.objects.filter(request=need).count() == 1 and "30" in page


def test_a_donation_is_recorded_through_the_page_with_a_new_donor(cast, depot, client_for):
    client = client_for(cast.city_admin)
    response = client.post("/supplies/donations/new/", {
        "donor_name": "娄底市审计局干部职工", "donor_kind": "group", "members": "111",
        "members_note": "在职73名、离退休38名", "kind": "money", "received_on": "2020-02-05", "channel": "bank",
        "recipient": depot.red_cross.pk, "amount": "58200"})
    donation = Donation.objects.get()
    assert response.status_code == 302 and donation.amount == D("58200") and donation.donor.members == 111
    page = client.get(f"/supplies/donations/{donation.pk}/").content.decode()
    assert "58200" in page and "在职73名" in page
    client.post(f"/supplies/donations/{donation.pk}/receipt/", {"number": "HZ-0001", "issued_on": "2020-02-06"})
    donation.refresh_from_db()
    assert donation.receipt_number == "HZ-0001"


def test_the_auditor_runs_the_checks_and_exports_them(cast, depot, books, client_for):
    client = client_for(depot.auditor)
    page = client.get("/supplies/audit/", {"start": "2020-01-01", "end": "2020-02-29"})
    text = page.content.decode()
    assert page.status_code == 200 and 'id="benford_first_digit"' in text
    assert f"PZ{books.donation.receipts.get().pk:08d}" in text  # no receipt was issued for the gift
    response = client.get("/supplies/audit/export.csv", {"start": "2020-01-01", "end": "2020-02-29"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) > 1 and {r[0] for r in rows[1:]} >= {"receipts_late"}
    xlsx = client.get("/supplies/audit/export.xlsx", {"start": "2020-01-01", "end": "2020-02-29"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == len(rows)
    assert xlsx["Content-Disposition"] == ("attachment; filename=\"audit-20200101-20200229.xlsx\"; filename*=UTF-8''"
                                           + quote("核查发现-2020年1月1日至2020年2月29日.xlsx"))
    assert AuditEntry.objects.filter(action="export", actor=depot.auditor, object_type="supplies.finding").count() == 2
    api = client.get("/api/supplies/audit", {"start": "2020-01-01", "end": "2020-02-29"}).json()
    assert {c["code"] for c in api["checks"]} >= {"benford_first_digit", "spec_mismatch"}
    assert client_for(cast.community_a_worker).get("/supplies/audit/").status_code == 403


def _everything_of(books, depot) -> dict[str, str]:
    """A URL of every page of supplies that shows one object, and the lists."""
    return {"home": "/supplies/", "location": f"/supplies/locations/{depot.store_b.pk}/",
            "card": f"/supplies/locations/{depot.store_b.pk}/card/{depot.n95.pk}/",
            "vouchers": "/supplies/vouchers/", "voucher": f"/supplies/vouchers/{books.to_b.pk}/",
            "donations": "/supplies/donations/", "donation": f"/supplies/donations/{books.donation_b.pk}/",
            "requests": "/supplies/requests/", "request": f"/supplies/requests/{books.request_b.pk}/",
            "catalogue": "/supplies/catalogue/", "audit": "/supplies/audit/?start=2020-01-01&end=2020-02-29",
            "api_location": f"/api/supplies/locations/{depot.store_b.pk}",
            "api_voucher": f"/api/supplies/vouchers/{books.to_b.pk}",
            "api_donation": f"/api/supplies/donations/{books.donation_b.pk}",
            "api_request": f"/api/supplies/requests/{books.request_b.pk}"}


def _writes_of(books, depot, cast) -> list[tuple[str, dict]]:
    line = {"item": "mask-n95", "quantity": "1"}
    return [
        (f"/supplies/locations/{depot.store_b.pk}/move/", {"kind": "consumption", "item": depot.n95.pk,
                                                            "quantity": "1", "occurred_on": "2020-02-20"}),
        (f"/supplies/vouchers/{books.to_b.pk}/reverse/", {"reason": "x"}),
        ("/supplies/donations/new/", {"donor_name": "x", "kind": "money", "received_on": "2020-02-20",
                                      "channel": "bank", "recipient": depot.red_cross.pk, "amount": "1"}),
        (f"/supplies/donations/{books.donation_b.pk}/receipt/", {"number": "X-1", "issued_on": "2020-02-20"}),
        (f"/supplies/donations/{books.donation_b.pk}/delivery/", {"item": depot.suit.pk, "quantity": "1",
                                                                  "occurred_on": "2020-02-20"}),
        (f"/supplies/donations/{books.donation_b.pk}/direction/", {"directed": "on", "direction_unit": "431302004001"}),
        ("/supplies/requests/new/", {"location": depot.store_b.pk, "item": depot.n95.pk, "quantity": "1",
                                     "urgency": 2}),
        (f"/supplies/requests/{books.request_b.pk}/decide/", {"approve": "yes"}),
        (f"/supplies/requests/{books.request_a.pk}/allocate/", {"source": depot.warehouse.pk, "quantity": "1"}),
        (f"/supplies/requests/{books.request_a.pk}/deliver/", {"source": depot.warehouse.pk, "item": depot.n95.pk,
                                                               "quantity": "1", "occurred_on": "2020-02-20"}),
        (f"/supplies/requests/{books.request_a.pk}/close/", {}),
        ("/supplies/catalogue/", {"action": "price", "price-item": depot.n95.pk, "price-valid_from": "2020-02-01",
                                  "price-price": "3"}),
        ("/supplies/publish/", {"unit": cast.city.code, "until": "2020-02-29"}),
        ("/api/supplies/vouchers", {"kind": "consumption", "occurred_on": "2020-02-20",
                                    "source_id": depot.store_b.pk, "lines": [line]}),
        (f"/api/supplies/vouchers/{books.to_b.pk}/reverse", {"reason": "x"}),
        ("/api/supplies/donations", {"donor_id": books.donation_b.donor_id, "kind": "money",
                                     "received_on": "2020-02-20", "channel": "bank",
                                     "recipient_id": depot.red_cross.pk, "amount": "1"}),
        (f"/api/supplies/donations/{books.donation_b.pk}/receipt", {"number": "X-2", "issued_on": "2020-02-20"}),
        ("/api/supplies/requests", {"location_id": depot.store_b.pk, "item": "mask-n95", "quantity": "1"}),
        (f"/api/supplies/requests/{books.request_b.pk}/decision", {"approve": True}),
        (f"/api/supplies/requests/{books.request_a.pk}/close", {}),
        ("/api/supplies/item-prices", {"item": "mask-n95", "valid_from": "2020-02-01", "price": "3"}),
        ("/api/supplies/publications", {"unit": cast.city.code}),
        ("/api/supplies/items", {"code": "x", "name": "x", "unit": "个"}),
        ("/api/supplies/donors", {"name": "x", "kind": "person", "unit": cast.city.code}),
    ]


def _state():
    return (Voucher.objects.count(), Donation.objects.count(), Donor.objects.count(),
            list(Request.objects.values_list("state", flat=True).order_by("pk")), Allocation.objects.count(),
            ItemPrice.objects.count(), Publication.objects.count(),
            list(Donation.objects.values_list("receipt_number", "directed").order_by("pk")),
            AuditEntry.objects.exclude(action__in=["view", "export", "login", "logout"]).count())


def test_the_auditor_reads_everything_in_scope_and_changes_nothing(cast, depot, books, client_for):
    client = client_for(depot.auditor)
    for name, url in _everything_of(books, depot).items():
        assert client.get(url).status_code == 200, name
    before = _state()
    for url, body in _writes_of(books, depot, cast):
        if url.startswith("/api/"):
            response = client.post(url, json.dumps(body), content_type="application/json")
        else:
            response = client.post(url, body)
        assert response.status_code in (403, 404), f"{url}: {response.status_code}"
    assert _state() == before
    page = client.get(f"/supplies/vouchers/{books.to_b.pk}/").content.decode()
    assert "reverse/" not in page  # no form to reverse


def test_community_a_gets_404_for_community_b_and_b_reads_its_own(cast, depot, books, client_for):
    urls = {k: v for k, v in _everything_of(books, depot).items()
            if k in ("location", "card", "voucher", "donation", "request", "api_location", "api_voucher",
                     "api_donation", "api_request")}
    for who in (cast.grid_a_worker, cast.community_a_worker, cast.command_a, depot.auditor_a):
        client = client_for(who)
        for name, url in urls.items():
            assert client.get(url).status_code == 404, (who, name)
    owner = client_for(cast.community_b_worker)
    for name, url in urls.items():
        assert owner.get(url).status_code == 200, name
    listed = client_for(cast.community_a_worker).get("/supplies/donations/").content.decode()
    assert "月塘居民" not in listed
    vouchers = client_for(cast.community_a_worker).get("/api/supplies/vouchers").json()["items"]
    assert {v["id"] for v in vouchers} == {books.to_a.pk}


def test_the_public_page_needs_no_login_and_an_unknown_publication_is_404(client, cast, depot, books):
    assert client.get("/supplies/public/").status_code == 200
    services.transparency_publish(unit=cast.street, by=None)
    page = client.get("/supplies/public/").content.decode()
    assert "长青商会" in page and "三元社区物资点" in page and "月塘社区物资点" in page
    assert client.get("/supplies/public/?publication=999").status_code == 404
    assert client.get("/supplies/").status_code == 302  # the rest needs a login


def test_the_publish_command_publishes_when_due(cast, depot, books):
    from django.core.management import call_command

    out = io.StringIO()
    call_command("supplies_publish", "--unit", cast.street.code, "--if-due", stdout=out)
    assert "published" in out.getvalue() and Publication.objects.count() == 1
    call_command("supplies_publish", "--unit", cast.street.code, "--if-due", stdout=out)
    assert "not due" in out.getvalue() and Publication.objects.count() == 1
