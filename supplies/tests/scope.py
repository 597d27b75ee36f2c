"""Community B's supplies objects for accounts/tests/test_scope_enumerated.py: a store, a gift received
there (its receipt voucher) and a need, by URL name; and valid bodies for the API's POST endpoints, so that
only the scope can refuse them."""

import datetime as dt


def objects_of_b(cast) -> dict[str, dict]:
    from supplies import services
    from supplies.models import Donation, Donor, Item, Location

    store_b = services.location_create(unit=cast.community_b, kind=Location.Kind.COMMUNITY, name="月塘社区物资点",
                                       by=None)
    n95 = Item.objects.get(code="mask-n95")
    donor_b = services.donor_register(name="月塘爱心居民", kind=Donor.Kind.PERSON, unit=cast.community_b, by=None)
    gift_b = services.donation_register(donor=donor_b, kind=Donation.Kind.GOODS, received_on=dt.date(2020, 5, 21),
                                        channel=Donation.Channel.DELIVERY, recipient=store_b, lines=[(n95, 100, 0)],
                                        by=None)
    need_b = services.request_submit(location=store_b, item=n95, quantity=10, by=None)
    store, voucher = {"pk": store_b.pk}, {"pk": gift_b.receipts.get().pk}
    gift, need = {"pk": gift_b.pk}, {"pk": need_b.pk}
    return {
        "supplies:location": store, "supplies:location_move": store,
        "supplies:card": {"pk": store_b.pk, "item_pk": n95.pk},
        "supplies:voucher": voucher, "supplies:voucher_reverse": voucher,
        "supplies:donation": gift, "supplies:donation_receipt": gift, "supplies:donation_delivery": gift,
        "supplies:donation_direction": gift,
        "supplies:request": need, "supplies:request_edit": need, "supplies:request_decide": need, "supplies:request_allocate": need,
        "supplies:request_deliver": need, "supplies:request_purchase": need, "supplies:request_close": need,
        "api:supply_location_get": {"location_id": store_b.pk}, "api:supply_location_card": {"location_id": store_b.pk},
        "api:supply_voucher_get": {"voucher_id": voucher["pk"]}, "api:supply_voucher_reverse": {"voucher_id": voucher["pk"]},
        "api:supply_donation_get": {"donation_id": gift_b.pk}, "api:supply_donation_receipt": {"donation_id": gift_b.pk},
        "api:supply_donation_delivery": {"donation_id": gift_b.pk},
        "api:supply_request_get": {"request_id": need_b.pk}, "api:supply_request_patch": {"request_id": need_b.pk},
        "api:supply_request_decide": {"request_id": need_b.pk},
        "api:supply_request_allocate": {"request_id": need_b.pk}, "api:supply_request_close": {"request_id": need_b.pk},
        "api:supply_donation_direction": {"donation_id": gift_b.pk},
        "api:supply_request_deliver": {"request_id": need_b.pk}, "api:supply_request_purchase": {"request_id": need_b.pk},
    }


API_BODIES = {
    "api:supply_voucher_reverse": {"reason": "越界"},
    "api:supply_donation_receipt": {"number": "越界-1", "issued_on": "2020-05-21"},
    "api:supply_donation_delivery": {"lines": [{"item": "mask-n95", "quantity": "1"}], "occurred_on": "2020-05-21"},
    "api:supply_request_decide": {"approve": True},
    "api:supply_request_allocate": {"source_id": 1, "quantity": "1"},
    "api:supply_request_close": {"note": "越界"},
    "api:supply_donation_direction": {"directed": False, "direction_note": "越界"},
    "api:supply_request_deliver": {"source_id": 1, "item": "mask-n95", "quantity": "1", "occurred_on": "2020-05-21"},
    "api:supply_request_purchase": {"account_id": 1, "target_id": 1, "item": "mask-n95", "quantity": "1",
                                    "value": "5", "occurred_on": "2020-05-21", "counterparty": "越界"},
}
