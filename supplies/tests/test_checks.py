"""Each audit check with a case it flags and a case it passes."""

import datetime as dt
import math
import random
from decimal import Decimal as D

import pytest

from accounts.access import Scope
from supplies import services
from supplies.checks import CHECKS, CHECKS_BY_CODE, Params, audit_run, benford_test, names_alike
from supplies.checks import base as checks_base
from supplies.models import Donor
from supplies.tests.conftest import DAY, approved_request

EVERYTHING = Scope(None)
FEB = (dt.date(2020, 2, 1), dt.date(2020, 2, 29))


def run(code, start=FEB[0], end=FEB[1], **params):
    return CHECKS_BY_CODE[code].function(EVERYTHING, start, end, Params(**params))


def test_every_check_is_named_documented_and_runs_on_an_empty_ledger(db):
    assert len({c.code for c in CHECKS}) == len(CHECKS) == 12
    for check, findings in audit_run(scope=EVERYTHING, start=FEB[0], end=FEB[1]):
        assert check.function.__doc__ and str(check.title) and str(check.description)
        assert findings == []


# 1
def test_donations_accounted_flags_a_gift_booked_short(cast, depot, gift):
    whole = gift(name="甲公司")
    services.distribution_post(source=depot.warehouse, target=depot.store_a, lines=[(depot.n95, "400")],
                               occurred_on=DAY, by=None)
    assert run("donations_accounted") == []
    short = gift(name="乙公司", book=False)
    services.donation_receive(donation=short, lines=[(depot.n95, "800")], occurred_on=DAY, by=None)
    findings = run("donations_accounted")
    assert [f.donation_id for f in findings] == [short.pk] and findings[0].amount == D("200")
    assert findings[0].vouchers == list(short.receipts.values_list("pk", flat=True))
    assert whole.pk not in {f.donation_id for f in findings}


# 2
def test_held_undistributed_flags_gifts_still_in_the_warehouse(cast, depot, gift):
    stockpiled = gift(name="甲公司", day=dt.date(2020, 1, 20))
    handed_out = gift(name="乙公司", day=dt.date(2020, 1, 20), lines=[(depot.suit, D("30"))])
    services.distribution_post(source=depot.warehouse, target=depot.store_a, lines=[(depot.suit, "30")],
                               occurred_on=dt.date(2020, 1, 25), by=None)
    findings = run("held_undistributed", start=dt.date(2020, 1, 1), hold_days=30)
    assert [f.donation_id for f in findings] == [stockpiled.pk] and findings[0].amount == D("1000")
    assert handed_out.pk not in {f.donation_id for f in findings}
    assert run("held_undistributed", start=dt.date(2020, 1, 1), hold_days=60) == []


# 3
def test_receipts_late_flags_missing_and_late_receipts(cast, depot, money_gift):
    on_time = money_gift(name="准时", receipt_number="HZ-001", receipt_date=DAY + dt.timedelta(days=2))
    missing = money_gift(name="未开")
    late = money_gift(name="迟开")
    services.donation_receipt_issue(donation=late, number="HZ-002", issued_on=dt.date(2020, 2, 28), by=None)
    findings = run("receipts_late", receipt_days=15)
    assert {f.donation_id for f in findings} == {missing.pk, late.pk}
    assert on_time.pk not in {f.donation_id for f in findings}


# 4
def test_directed_elsewhere_flags_a_directed_gift_that_reached_another_unit(cast, depot, gift):
    directed = gift(name="老乡会", directed_to=cast.community_a)
    voucher = services.distribution_post(source=depot.warehouse, target=depot.store_a, lines=[(depot.n95, "300")],
                                         occurred_on=DAY, by=None)
    assert run("directed_elsewhere") == []
    # The donor's letter, read again: the gift was for 月塘社区.
    services.donation_direction_set(donation=directed, directed=True, direction_unit=cast.community_b, by=None)
    findings = run("directed_elsewhere")
    assert [f.vouchers for f in findings] == [[voucher.pk]] and findings[0].amount == D("300")


# 5
def test_distributed_before_booked_flags_goods_given_out_before_their_receipt(cast, depot, gift):
    gift(day=dt.date(2020, 2, 10))
    fine = services.distribution_post(source=depot.warehouse, target=depot.store_a, lines=[(depot.n95, "100")],
                                      occurred_on=dt.date(2020, 2, 10), by=None)
    assert run("distributed_before_booked") == []
    early = services.distribution_post(source=depot.warehouse, target=depot.store_a, lines=[(depot.n95, "200")],
                                       occurred_on=dt.date(2020, 2, 5), by=None)
    findings = run("distributed_before_booked")
    assert [f.vouchers for f in findings] == [[early.pk]]
    assert fine.pk not in findings[0].vouchers


# 6
def test_duplicate_donations_exact_and_fuzzy(cast, depot, money_gift):
    money_gift(name="张三丰", amount=D("500"))
    money_gift(name="李四", amount=D("500"), day=DAY + dt.timedelta(days=1))  # same amount, another donor
    assert run("duplicate_donations") == []
    money_gift(name="张三丰", amount=D("500"))  # the same gift entered twice
    money_gift(name="长青商会", amount=D("20000"), day=dt.date(2020, 2, 3), kind=Donor.Kind.ORGANISATION)
    money_gift(name="长青 商会", amount=D("20000"), day=dt.date(2020, 2, 20), kind=Donor.Kind.ORGANISATION)
    findings = run("duplicate_donations")
    messages = sorted(f.message.split(":")[0] for f in findings)
    assert len(findings) == 2 and messages[0] != messages[1]
    assert all(len(f.vouchers) == 2 for f in findings)
    assert run("duplicate_donations", duplicate_days=10) and len(run("duplicate_donations", duplicate_days=10)) == 1


def _purchase(depot, amount, *, day=DAY, supplier="娄底医疗器械公司", document="", quantity=100):
    need = approved_request(depot.store_a, depot.n95, D(quantity))
    return services.purchase_post(account=depot.red_cross, target=depot.red_cross_store,
                                  goods=[(depot.n95, quantity, amount)], counterparty=supplier, document=document,
                                  request=need, occurred_on=day, by=None)


# 7
def test_duplicate_payments_exact_by_invoice_and_fuzzy_by_payee(cast, depot, money_gift):
    money_gift(amount=D("100000"))
    _purchase(depot, 1200, document="FP-001")
    _purchase(depot, 1300, document="FP-002", day=DAY + dt.timedelta(days=2))
    assert run("duplicate_payments") == []
    twice = _purchase(depot, 1400, document="FP-001", day=DAY + dt.timedelta(days=3))
    alike_a = _purchase(depot, 2500, supplier="湘中医疗器械有限公司", day=dt.date(2020, 2, 1))
    alike_b = _purchase(depot, 2500, supplier="湘中医疗器械有限公司 ", day=dt.date(2020, 2, 20))
    findings = run("duplicate_payments")
    assert {frozenset(f.vouchers) for f in findings} >= {frozenset({alike_a.pk, alike_b.pk})}
    assert any(twice.pk in f.vouchers and "FP-001" in f.message for f in findings)


# 8
def test_benford_flags_amounts_that_do_not_follow_the_law(cast, depot, money_gift):
    rng = random.Random(7)
    natural = [D(str(round(10 ** rng.uniform(1, 5), 2))) for _ in range(2000)]
    assert benford_test(natural).conformity in ("close", "acceptable")
    invented = [D(rng.choice(["5000", "5500", "9000", "9800", "5200"])) for _ in range(300)]
    result = benford_test(invented)
    assert result.conformity == "nonconformity" and result.mad > 0.015
    assert benford_test(invented[:20]).conformity == "too_few"
    # Through the ledger: 40 gifts of money, most of them just under round sums.
    for n in range(40):
        money_gift(name=f"捐赠人{n}", amount=D(rng.choice(["5000", "5800", "9000", "9900"])) if n % 10 else D("1200"))
    findings = run("benford_first_digit", benford_min=30)
    flagged_digits = {f.item for f in findings}
    assert flagged_digits and flagged_digits <= {"5", "9"} and all(f.vouchers for f in findings)
    assert run("benford_first_digit", benford_min=100) == []  # too few amounts to judge


def test_benford_passes_money_that_follows_the_law(cast, depot, money_gift):
    for n in range(60):
        amount = D(str(round(10 ** (1 + (n * 0.618034) % 1 * 3), 2)))  # spread evenly in log scale
        money_gift(name=f"捐赠人{n}", amount=amount)
    assert math.isclose(sum(math.log10(1 + 1 / d) for d in range(1, 10)), 1.0)
    assert run("benford_first_digit", benford_min=30) == []


# 9
def test_price_above_reference_flags_masks_bought_dear(cast, depot, money_gift):
    services.item_price_set(item=depot.n95, valid_from=dt.date(2020, 1, 1), price="3.50", by=None)
    money_gift(amount=D("100000"))
    fair = _purchase(depot, 400, quantity=100)  # 4.00 each
    assert run("price_above_reference") == []
    dear = _purchase(depot, 1200, quantity=100)  # 12.00 each
    findings = run("price_above_reference")
    assert [f.vouchers for f in findings] == [[dear.pk]] and fair.pk not in findings[0].vouchers
    services.item_price_set(item=depot.n95, valid_from=DAY, price="10", by=None)  # the price of the day rose
    assert run("price_above_reference") == []


# 10
def test_split_purchases_flags_buying_in_pieces_under_the_limit(cast, depot, money_gift):
    money_gift(amount=D("200000"))
    alone = _purchase(depot, 30000, day=dt.date(2020, 2, 1))
    _purchase(depot, 30000, day=dt.date(2020, 2, 20), supplier="另一家公司")
    assert run("split_purchases", approval_limit=D("50000")) == []
    split = [_purchase(depot, 20000, day=dt.date(2020, 2, 10) + dt.timedelta(days=n), supplier="湘中医疗器械有限公司")
             for n in range(3)]
    findings = run("split_purchases", approval_limit=D("50000"))
    assert [sorted(f.vouchers) for f in findings] == [sorted(v.pk for v in split)]
    assert alone.pk not in findings[0].vouchers and findings[0].amount == D("60000")


# 11
def test_spec_mismatch_flags_kn95_delivered_for_n95(cast, depot, gift):
    gift(lines=[(depot.n95, D("500")), (depot.kn95, D("500"))])
    asked = approved_request(depot.hospital, depot.n95, D("400"))
    services.distribution_post(source=depot.warehouse, target=depot.hospital, lines=[(depot.n95, "100")],
                               request=asked, occurred_on=DAY, by=None)
    assert run("spec_mismatch") == []
    wrong = services.distribution_post(source=depot.warehouse, target=depot.hospital, lines=[(depot.kn95, "300")],
                                       request=asked, occurred_on=DAY, by=None)
    findings = run("spec_mismatch")
    assert [f.vouchers for f in findings] == [[wrong.pk]] and "KN95" in findings[0].message


# 12
def test_unrequested_deliveries_flags_masks_a_hospital_did_not_ask_for(cast, depot, gift):
    gift()
    asked = approved_request(depot.hospital, depot.n95, D("100"))
    services.distribution_post(source=depot.warehouse, target=depot.hospital, lines=[(depot.n95, "100")],
                               request=asked, occurred_on=DAY, by=None)
    assert run("unrequested_deliveries") == []
    unasked = services.distribution_post(source=depot.warehouse, target=depot.hospital, lines=[(depot.n95, "200")],
                                         occurred_on=DAY, by=None)
    assert [f.vouchers for f in run("unrequested_deliveries")] == [[unasked.pk]]


def test_a_reversed_voucher_is_not_a_finding(cast, depot, gift):
    gift()
    unasked = services.distribution_post(source=depot.warehouse, target=depot.hospital, lines=[(depot.n95, "200")],
                                         occurred_on=DAY, by=None)
    services.voucher_reverse(voucher=unasked, reason="发错", by=None)
    assert run("unrequested_deliveries") == []


def test_checks_read_only_the_auditors_scope(cast, depot, gift):
    gift(at=depot.store_b, day=dt.date(2020, 1, 10))  # no receipt issued
    assert len(run("receipts_late", start=dt.date(2020, 1, 1))) == 1
    community_a = Scope((cast.community_a.path,))
    assert CHECKS_BY_CODE["receipts_late"].function(community_a, dt.date(2020, 1, 1), FEB[1], Params()) == []


@pytest.mark.parametrize("a, b, alike", [("长青商会", "长青 商会", True), ("ＡＢＣ公司", "abc公司", True),
                                         ("张三", "李四", False), ("湘中医疗器械有限公司", "湘中医疗器械公司", True)])
def test_names_alike(a, b, alike):
    assert names_alike(a, b, 0.85) is alike


def test_the_audit_lists_its_checks_in_the_order_of_their_numbers():
    assert [c.number for c in CHECKS] == list(range(1, 13))
    assert [c.code for c in CHECKS] == [
        "donations_accounted", "held_undistributed", "receipts_late", "directed_elsewhere",
        "distributed_before_booked", "duplicate_donations", "duplicate_payments", "benford_first_digit",
        "price_above_reference", "split_purchases", "spec_mismatch", "unrequested_deliveries"]
    assert all(c.function.__module__.startswith("supplies.checks.") for c in CHECKS)


def test_a_check_registered_under_a_taken_number_or_code_is_refused():
    before = list(CHECKS)

    def receipts_late(scope, start, end, params):
        return []

    def a_new_check(scope, start, end, params):
        return []

    with pytest.raises(ValueError):
        checks_base.check(3, "title", "description")(a_new_check)
    with pytest.raises(ValueError):
        checks_base.check(13, "title", "description")(receipts_late)
    assert CHECKS == before
