"""The seed report's gift, from the gift to the disbursement to the public page: the city audit bureau's
73 staff and 38 retirees give 58,200 yuan to the Red Cross; a hospital asks for money and a community for
N95 masks; the requests are approved by someone else; the Red Cross pays the hospital and buys the masks;
the masks reach the community; the list is published and anyone can read where the money went."""

import datetime as dt
import json
from decimal import Decimal as D

from django.test import Client

from accounts.access import scope_for
from accounts.roles import SUPPLIES_AUDIT
from core.models import AuditEntry
from supplies import selectors, services
from supplies.checks import audit_run
from supplies.models import Donation, Donor, Publication, Request


def test_58200_yuan_from_gift_to_disbursement_to_the_public_page(cast, depot, client_for):
    red_cross = cast.city_admin  # the Red Cross's bookkeeper holds the city's ledger
    bureau = services.donor_register(name="娄底市审计局干部职工", kind=Donor.Kind.GROUP, unit=cast.city, members=111,
                                     members_note="在职干部职工73名、离退休老干部38名", by=red_cross)
    gift = services.donation_register(donor=bureau, kind=Donation.Kind.MONEY, received_on=dt.date(2020, 2, 5),
                                      channel=Donation.Channel.BANK, recipient=depot.red_cross, amount="58200",
                                      receipt_number="湘红捐字2020-0001", receipt_date=dt.date(2020, 2, 5),
                                      by=red_cross)
    assert selectors.location_balance_totals(depot.red_cross.pk) == {depot.money.pk: D("58200")}
    resident = services.donor_register(name="张三丰", kind=Donor.Kind.PERSON, unit=cast.city, mask_name=True,
                                       by=red_cross)
    services.donation_register(donor=resident, kind=Donation.Kind.MONEY, received_on=dt.date(2020, 2, 6),
                               channel=Donation.Channel.MOBILE, recipient=depot.red_cross, amount="200", by=red_cross)

    # Needs: the community health centre asks for money, 三元社区 for N95 masks (through the API).
    community = client_for(cast.community_a_worker)
    posted = community.post("/api/supplies/requests", {"location_id": depot.store_a.pk, "item": "mask-n95",
                                                       "quantity": "1410", "urgency": 4, "reason": "卡点和入户排查"},
                            content_type="application/json")
    assert posted.status_code == 201, posted.content
    masks = Request.objects.get(pk=posted.json()["id"])
    money = services.request_submit(location=depot.hospital, item=depot.money, quantity="30000",
                                    reason="发热门诊改造", by=cast.street_officer)

    # Paying before approval is refused; the poster cannot approve their own need.
    refused = client_for(red_cross).post("/api/supplies/vouchers", {
        "kind": "distribution", "occurred_on": "2020-02-07", "source_id": depot.red_cross.pk,
        "target_id": depot.hospital.pk, "request_id": money.pk, "lines": [{"item": "cny", "quantity": "30000"}]},
        content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "request_not_approved"
    assert community.post(f"/api/supplies/requests/{masks.pk}/decision", {"approve": True},
                          content_type="application/json").status_code == 404  # no approval right in 三元社区
    street = client_for(cast.street_officer)
    assert street.post(f"/api/supplies/requests/{money.pk}/decision", {"approve": True},
                       content_type="application/json").json()["code"] == "own_request"
    approver = client_for(cast.city_admin)
    assert approver.post(f"/api/supplies/requests/{money.pk}/decision", {"approve": True},
                         content_type="application/json").json()["state"] == "approved"
    assert street.post(f"/api/supplies/requests/{masks.pk}/decision", {"approve": True},
                       content_type="application/json").json()["state"] == "approved"

    # Disbursement to the hospital, and a purchase of 1,410 N95 masks at 20 yuan for 三元社区.
    services.item_price_set(item=depot.n95, valid_from=dt.date(2020, 1, 1), price="20", by=None)
    paid = client_for(red_cross).post("/api/supplies/vouchers", {
        "kind": "distribution", "occurred_on": "2020-02-07", "source_id": depot.red_cross.pk,
        "target_id": depot.hospital.pk, "request_id": money.pk, "lines": [{"item": "cny", "quantity": "30000"}]},
        content_type="application/json")
    assert paid.status_code == 201, paid.content
    bought = client_for(red_cross).post("/api/supplies/vouchers", {
        "kind": "purchase", "occurred_on": "2020-02-08", "source_id": depot.red_cross.pk,
        "target_id": depot.red_cross_store.pk, "request_id": masks.pk, "counterparty": "湖南某医疗器械公司",
        "document": "FP-20200208", "lines": [{"item": "mask-n95", "quantity": "1410", "value": "28200"}]},
        content_type="application/json")
    assert bought.status_code == 201, bought.content
    delivered = client_for(red_cross).post("/api/supplies/vouchers", {
        "kind": "distribution", "occurred_on": "2020-02-09", "source_id": depot.red_cross_store.pk,
        "target_id": depot.store_a.pk, "request_id": masks.pk, "lines": [{"item": "mask-n95", "quantity": "1410"}]},
        content_type="application/json")
    assert delivered.status_code == 201, delivered.content
    assert D(community.get(f"/api/supplies/requests/{masks.pk}").json()["delivered"]) == 1410
    assert selectors.location_balance_totals(depot.red_cross.pk) == {depot.money.pk: D("200")}

    # What became of the gift, per the ledger.
    account = selectors.donation_accounts([gift.pk])[(gift.pk, depot.money.pk)]
    assert (account.declared, account.received, account.delivered, account.spent, account.on_hand) == (
        D("58200"), D("58200"), D("30000"), D("28200"), D("0"))
    destinations = {where: q for where, _item, q in selectors.donation_destinations([gift.pk])[gift.pk]}
    assert destinations == {"长青街道社区卫生服务中心": D("30000"), "三元社区物资点": D("28200")}

    # The audit finds nothing wrong with it.
    results = dict((c.code, f) for c, f in audit_run(scope=scope_for(depot.auditor, SUPPLIES_AUDIT),
                                                     start=dt.date(2020, 2, 1), end=dt.date(2020, 2, 29)))
    assert not [f for f in results["donations_accounted"] if f.donation_id == gift.pk]
    assert not [f for f in results["receipts_late"] if f.donation_id == gift.pk]
    assert results["directed_elsewhere"] == [] and results["spec_mismatch"] == []

    # Published, and read by anyone.
    publication = services.transparency_publish(unit=cast.city, until=dt.date(2020, 2, 29), by=red_cross)
    assert AuditEntry.objects.filter(object_type="supplies.publication", action="create").exists()
    page = Client().get("/supplies/public/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "娄底市审计局干部职工" in text and "58200" in text and "在职干部职工73名、离退休老干部38名" in text
    assert "长青街道社区卫生服务中心" in text and "三元社区物资点" in text and "28200" in text
    assert "张三丰" not in text and "张**" in text
    public_api = Client().get("/api/supplies/transparency").json()
    assert public_api[0]["id"] == publication.pk and public_api[0]["totals"]["money"] == "58400"
    rows = {row["donor"]: row for row in public_api[0]["rows"]}
    assert rows["娄底市审计局干部职工"]["money"] == "58200" and rows["娄底市审计局干部职工"]["new"] is True
    assert json.dumps(public_api).count("张三丰") == 0

    # The next publication keeps the first, and marks only what is new.
    later = services.donation_register(donor=bureau, kind=Donation.Kind.MONEY, received_on=dt.date(2020, 3, 1),
                                       channel=Donation.Channel.BANK, recipient=depot.red_cross, amount="1000",
                                       by=red_cross)
    assert services.transparency_due(unit=cast.city, today=dt.date(2020, 3, 7)) is True
    second = services.transparency_publish(unit=cast.city, by=red_cross)
    assert Publication.objects.count() == 2
    assert [row["new"] for row in second.rows if row["date"] == "2020-02-05"] == [False]
    assert [row["new"] for row in second.rows if row["date"] == later.received_on.isoformat()] == [True]
    history = Client().get(f"/supplies/public/?publication={publication.pk}")
    assert history.status_code == 200 and "58200" in history.content.decode()
