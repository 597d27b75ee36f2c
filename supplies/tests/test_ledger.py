"""The ledger: balanced vouchers, no negative stock, append-only (in code and in the database), reversals,
the frozen date, lots (directed gifts reach their direction), requests, balances and stock cards."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from django.db.utils import DatabaseError

from core.errors import DomainError
from supplies import selectors, services
from supplies.appendonly import AppendOnlyError
from supplies.models import Location, Voucher, VoucherLine
from supplies.tests.conftest import DAY, approved_request


def held(location, item) -> D:
    return VoucherLine.objects.filter(location=location, item=item).aggregate(t=Sum("quantity"))["t"] or D(0)


def test_a_gift_is_booked_from_the_donors_and_every_voucher_balances(cast, depot, gift):
    donation = gift(lines=[(depot.n95, D("1000")), (depot.suit, D("50"))])
    voucher = donation.receipts.get()
    assert voucher.kind == Voucher.Kind.RECEIPT
    donors = Location.objects.get(unit=cast.street, kind=Location.Kind.DONORS)
    assert held(donors, depot.n95) == D("-1000") and held(depot.warehouse, depot.n95) == D("1000")
    totals = voucher.lines.values("item").annotate(t=Sum("quantity"))
    assert all(r["t"] == 0 for r in totals)
    assert all(line.donation_id == donation.pk for line in voucher.lines.all())


def test_stock_cannot_go_negative_and_a_refused_posting_leaves_nothing(cast, depot, gift):
    gift()
    before = VoucherLine.objects.count()
    with pytest.raises(DomainError) as exc:
        services.distribution_post(source=depot.warehouse, target=depot.store_a, lines=[(depot.n95, "1000.001")],
                                   occurred_on=DAY, by=None)
    assert exc.value.code == "insufficient_stock"
    assert VoucherLine.objects.count() == before and held(depot.warehouse, depot.n95) == D("1000")
    services.distribution_post(source=depot.warehouse, target=depot.store_a, lines=[(depot.n95, "1000")],
                               occurred_on=DAY, by=None)
    assert held(depot.warehouse, depot.n95) == 0


def test_an_explicit_lot_cannot_be_overdrawn_either(cast, depot, gift):
    first, second = gift(name="甲公司"), gift(name="乙公司", lines=[(depot.n95, D("10"))])
    with pytest.raises(DomainError) as exc:
        services.transfer_post(source=depot.warehouse, target=depot.store_a, lines=[(depot.n95, "11")],
                               lot=second, occurred_on=DAY, by=None)
    assert exc.value.code == "insufficient_stock"
    services.transfer_post(source=depot.warehouse, target=depot.store_a, lines=[(depot.n95, "11")], lot=first,
                           occurred_on=DAY, by=None)


def test_vouchers_and_lines_cannot_be_changed_or_removed_in_code(cast, depot, gift):
    voucher = gift().receipts.get()
    line = voucher.lines.first()
    with pytest.raises(AppendOnlyError):
        voucher.note = "改"
        voucher.save()
    with pytest.raises(AppendOnlyError):
        line.delete()
    with pytest.raises(AppendOnlyError):
        VoucherLine.objects.filter(pk=line.pk).update(quantity=1)
    with pytest.raises(AppendOnlyError):
        Voucher.objects.all().delete()


@pytest.mark.parametrize("sql", ["UPDATE supplies_voucherline SET quantity = 1",
                                 "DELETE FROM supplies_voucherline",
                                 "UPDATE supplies_voucher SET reason = 'x'",
                                 "DELETE FROM supplies_voucher"])
def test_the_database_refuses_to_change_the_ledger(cast, depot, gift, sql):
    gift()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert VoucherLine.objects.filter(quantity=1).count() == 0


def test_an_adjustment_needs_a_reason_and_books_losses_and_finds(cast, depot, gift):
    gift()
    with pytest.raises(DomainError) as exc:
        services.adjustment_post(location=depot.warehouse, lines=[(depot.n95, "-5")], occurred_on=DAY, reason=" ",
                                 by=None)
    assert exc.value.code == "reason_required"
    services.adjustment_post(location=depot.warehouse, lines=[(depot.n95, "-5")], occurred_on=DAY,
                             reason="受潮报损", by=None)
    services.adjustment_post(location=depot.warehouse, lines=[(depot.n95, "2")], occurred_on=DAY,
                             reason="盘点盘盈", by=None)
    assert held(depot.warehouse, depot.n95) == D("997")
    lost = Location.objects.get(unit=cast.street, kind=Location.Kind.LOST)
    assert held(lost, depot.n95) == D("3")


def test_a_reversal_restores_the_balances_once_and_the_original_stays(cast, depot, gift):
    gift()
    voucher = services.distribution_post(source=depot.warehouse, target=depot.store_a, lines=[(depot.n95, "300")],
                                         occurred_on=DAY, by=None)
    reversal = services.voucher_reverse(voucher=voucher, reason="发错社区", by=None)
    assert reversal.kind == Voucher.Kind.REVERSAL and reversal.reverses == voucher
    assert held(depot.warehouse, depot.n95) == D("1000") and held(depot.store_a, depot.n95) == 0
    assert voucher.lines.count() == 2  # the original is still there
    with pytest.raises(DomainError) as exc:
        services.voucher_reverse(voucher=voucher, reason="再来一次", by=None)
    assert exc.value.code == "already_reversed"
    with pytest.raises(DomainError):
        services.voucher_reverse(voucher=reversal, reason="撤销冲销", by=None)


def test_a_reversal_cannot_take_back_goods_already_given_out(cast, depot, gift):
    receipt = gift().receipts.get()
    services.distribution_post(source=depot.warehouse, target=depot.store_a, lines=[(depot.n95, "600")],
                               occurred_on=DAY, by=None)
    with pytest.raises(DomainError) as exc:
        services.voucher_reverse(voucher=receipt, reason="重复登记", by=None)
    assert exc.value.code == "insufficient_stock"


def test_postings_before_the_frozen_date_and_in_the_future_are_refused(cast, depot, gift):
    gift(day=dt.date(2020, 2, 1))
    services.ledger_freeze(unit=cast.street, frozen_before_day=dt.date(2020, 2, 15), by=None)
    with pytest.raises(DomainError) as exc:
        services.transfer_post(source=depot.warehouse, target=depot.store_a, lines=[(depot.n95, "1")],
                               occurred_on=dt.date(2020, 2, 14), by=None)
    assert exc.value.code == "frozen"
    services.transfer_post(source=depot.warehouse, target=depot.store_a, lines=[(depot.n95, "1")],
                           occurred_on=dt.date(2020, 2, 15), by=None)
    with pytest.raises(DomainError) as exc:
        services.transfer_post(source=depot.warehouse, target=depot.store_a, lines=[(depot.n95, "1")],
                               occurred_on=dt.date(2020, 3, 2), by=None)
    assert exc.value.code == "future_date"
    with pytest.raises(DomainError) as exc:  # the date only moves forward
        services.ledger_freeze(unit=cast.community_a, frozen_before_day=dt.date(2020, 2, 10), by=None)
    assert exc.value.code == "freeze_backwards"


def test_money_is_paid_out_only_against_an_approved_request(cast, depot, money_gift):
    money_gift(amount=D("5000"))
    with pytest.raises(DomainError) as exc:
        services.distribution_post(source=depot.red_cross, target=depot.hospital, lines=[(depot.money, "1000")],
                                   occurred_on=DAY, by=None)
    assert exc.value.code == "disbursement_needs_request"
    pending = services.request_submit(location=depot.hospital, item=depot.money, quantity="1000", by=None)
    with pytest.raises(DomainError) as exc:
        services.distribution_post(source=depot.red_cross, target=depot.hospital, lines=[(depot.money, "1000")],
                                   request=pending, occurred_on=DAY, by=None)
    assert exc.value.code == "request_not_approved"
    approved = services.request_decide(request=pending, approve=True, by=None)
    services.distribution_post(source=depot.red_cross, target=depot.hospital, lines=[(depot.money, "1000")],
                               request=approved, occurred_on=DAY, by=None)
    with pytest.raises(DomainError) as exc:
        services.distribution_post(source=depot.red_cross, target=depot.hospital, lines=[(depot.money, "1")],
                                   request=approved, occurred_on=DAY, by=None)
    assert exc.value.code == "over_delivery"


def test_directed_gifts_go_only_to_their_direction(cast, depot, gift):
    directed = gift(name="三元社区老乡会", directed_to=cast.community_a)
    with pytest.raises(DomainError) as exc:
        services.distribution_post(source=depot.warehouse, target=depot.store_b, lines=[(depot.n95, "1")],
                                   lot=directed, occurred_on=DAY, by=None)
    assert exc.value.code == "directed_elsewhere"
    with pytest.raises(DomainError) as exc:  # chosen by the ledger: nothing else there may go to B
        services.distribution_post(source=depot.warehouse, target=depot.store_b, lines=[(depot.n95, "1")],
                                   occurred_on=DAY, by=None)
    assert exc.value.code == "insufficient_stock"
    undirected = gift(name="长青商会")
    voucher = services.distribution_post(source=depot.warehouse, target=depot.store_b, lines=[(depot.n95, "10")],
                                         occurred_on=DAY, by=None)
    assert {line.donation_id for line in voucher.lines.all()} == {undirected.pk}
    # Directed goods may move between stores, and are used first where they are directed.
    voucher = services.distribution_post(source=depot.warehouse, target=depot.store_a, lines=[(depot.n95, "1500")],
                                         occurred_on=DAY, by=None)
    lots = dict(voucher.lines.filter(quantity__gt=0).values_list("donation_id", "quantity"))
    assert lots == {directed.pk: D("1000"), undirected.pk: D("500")}


def test_directed_money_buys_only_for_its_direction(cast, depot, money_gift):
    money_gift(name="定向捐赠人", amount=D("3000"), directed_to=cast.community_a)
    need_b = approved_request(depot.store_b, depot.n95, D("100"))
    with pytest.raises(DomainError) as exc:
        services.purchase_post(account=depot.red_cross, target=depot.red_cross_store, goods=[(depot.n95, 100, 2000)],
                               counterparty="医疗器械公司", request=need_b, occurred_on=DAY, by=None)
    assert exc.value.code == "insufficient_stock"
    need_a = approved_request(depot.store_a, depot.n95, D("100"))
    voucher = services.purchase_post(account=depot.red_cross, target=depot.red_cross_store,
                                     goods=[(depot.n95, 100, 2000)], counterparty="医疗器械公司", request=need_a,
                                     occurred_on=DAY, by=None)
    assert held(depot.red_cross, depot.money) == D("1000") and held(depot.red_cross_store, depot.n95) == D("100")
    assert voucher.lines.filter(item=depot.n95, quantity__gt=0).get().value == D("2000")


def test_goods_and_money_keep_to_their_places(cast, depot, gift, money_gift):
    gift()
    with pytest.raises(DomainError) as exc:
        services.transfer_post(source=depot.warehouse, target=depot.street_account, lines=[(depot.n95, "1")],
                               occurred_on=DAY, by=None)
    assert exc.value.code == "goods_in_account"
    money_gift()
    with pytest.raises(DomainError) as exc:
        services.transfer_post(source=depot.red_cross, target=depot.warehouse, lines=[(depot.money, "1")],
                               occurred_on=DAY, by=None)
    assert exc.value.code == "money_in_store"


def test_a_poster_works_only_from_their_own_units(cast, depot, gift):
    gift(at=depot.store_b)
    with pytest.raises(DomainError) as exc:
        services.transfer_post(source=depot.store_b, target=depot.store_a, lines=[(depot.n95, "1")],
                               occurred_on=DAY, by=cast.community_a_worker)
    assert exc.value.status == 404
    services.transfer_post(source=depot.store_b, target=depot.store_a, lines=[(depot.n95, "1")], occurred_on=DAY,
                           by=cast.community_b_worker)


def test_balances_are_one_group_by_and_the_stock_card_runs(cast, depot, gift, django_assert_num_queries):
    gift(day=dt.date(2020, 2, 1))
    gift(name="乙公司", day=dt.date(2020, 2, 3), lines=[(depot.n95, D("200")), (depot.suit, D("20"))])
    services.distribution_post(source=depot.warehouse, target=depot.store_a, lines=[(depot.n95, "700")],
                               occurred_on=dt.date(2020, 2, 5), by=None)
    with django_assert_num_queries(1):
        totals = selectors.location_balance_totals(depot.warehouse.pk)
    assert totals == {depot.n95.pk: D("500"), depot.suit.pk: D("20")}
    card = selectors.stock_card(depot.warehouse, depot.n95, start=dt.date(2020, 2, 2))
    assert card.opening == D("1000") and [r.balance for r in card.rows][-1] == card.closing == D("500")
    assert "三元社区物资点" in card.rows[-1].other


def test_a_request_is_decided_by_someone_else(cast, depot):
    request = services.request_submit(location=depot.store_a, item=depot.n95, quantity="100",
                                      by=cast.community_a_worker)
    assert request.spec == "N95"
    with pytest.raises(DomainError) as exc:
        services.request_decide(request=request, approve=True, by=cast.community_a_worker)
    assert exc.value.code == "own_request"
    with pytest.raises(DomainError) as exc:
        services.request_decide(request=request, approve=False, by=cast.street_officer)
    assert exc.value.code == "reason_required"
    decided = services.request_decide(request=request, approve=True, quantity="80", by=cast.street_officer)
    assert decided.approved_quantity == D("80")
    with pytest.raises(DomainError):
        services.request_allocate(request=decided, source=depot.warehouse, quantity="81", by=cast.street_officer)
    services.request_allocate(request=decided, source=depot.warehouse, quantity="80", by=cast.street_officer)
    assert selectors.requests_fulfilment([decided])[0].allocated == D("80")


def test_fractions_add_up_exactly_on_every_database(cast, depot, gift):
    gift(lines=[(depot.n95, D("0.3"))])
    for part in ("0.1", "0.2"):  # 0.3 - 0.1 - 0.2 is -2.8e-17 in floating point
        services.transfer_post(source=depot.warehouse, target=depot.store_a, lines=[(depot.n95, part)],
                               occurred_on=DAY, by=None)
    assert selectors.location_balance_totals(depot.warehouse.pk)[depot.n95.pk] == 0
    assert selectors.location_balances(depot.warehouse) == []


def test_a_cash_difference_is_written_off_without_a_request(cast, depot, money_gift):
    money_gift(amount=D("500"))
    services.adjustment_post(location=depot.red_cross, lines=[(depot.money, "-0.5")], occurred_on=DAY,
                             reason="现金盘点短款", by=None)
    assert held(depot.red_cross, depot.money) == D("499.5")
