"""A deterministic ledger for benchmarks: a city's year of donations, purchases, transfers, distributions,
consumption and write-offs, with the irregularities the audit checks look for planted at known rates.

The same seed and size give the same rows. Lines are written in batches with bulk inserts (the posting
service would check each voucher in turn, which is what the tests exercise); the generator keeps the
balances of every location, item and lot in memory, so what it writes obeys the ledger's rules: every
voucher balances per item and lot, and no store's lot goes below zero.
"""

import datetime as dt
import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Max

from core.db import tables_analyze
from orgunits.models import OrgUnit
from supplies.models import (
    Donation,
    DonationLine,
    Donor,
    Item,
    ItemPrice,
    Location,
    Request,
    Voucher,
    VoucherLine,
    spec_key,
)
from supplies.services.common import location_pseudo, money_item

K = Location.Kind
V = Voucher.Kind
PRICES = {"mask-n95": 18, "mask-kn95": 6, "mask-surgical": 2, "mask-medical": 1, "protective-suit": 120,
          "goggles": 40, "gloves": 2, "thermometer": 150, "disinfectant": 15}
DONOR_NAMES = ["商会", "实业有限公司", "医疗器械有限公司", "爱心车队", "校友会", "同乡会", "慈善基金会", "超市"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"


@dataclass
class LedgerStats:
    vouchers: int = 0
    lines: int = 0
    donations: int = 0
    requests: int = 0
    seconds: float = 0.0


class _Writer:
    """Rows collected in memory with their ids assigned here, flushed in one transaction per batch. Vouchers
    and their lines, nearly all the rows, go in as plain tuples through executemany."""

    VOUCHER_COLUMNS = ["id", "kind", "occurred_on", "posted_at", "unit_path", "donation_id", "request_id",
                       "counterparty", "document", "reason", "note"]
    LINE_COLUMNS = ["voucher_id", "location_id", "item_id", "donation_id", "quantity", "value", "kind",
                    "occurred_on", "unit_path"]

    def __init__(self, batch: int):
        self.batch = batch
        self.rows: dict[type, list] = defaultdict(list)
        self.ids = {model: (model.objects.aggregate(m=Max("pk"))["m"] or 0)
                    for model in (Donor, Donation, Request, Voucher)}
        ops = connection.ops
        self.day, self.moment, self.decimal = (ops.adapt_datefield_value, ops.adapt_datetimefield_value,
                                               lambda v: ops.adapt_decimalfield_value(Decimal(v)))

    def next_id(self, model) -> int:
        self.ids[model] += 1
        return self.ids[model]

    def add(self, obj) -> None:
        self.rows[type(obj)].append(obj)

    def voucher(self, *, pk: int, kind: str, day: dt.date, unit_path: str, donation_id=None, request_id=None,
                counterparty: str = "", document: str = "", reason: str = "") -> None:
        self.rows[Voucher].append((pk, kind, self.day(day), self.moment(dt.datetime.combine(day, dt.time(4),
                                                                                              tzinfo=dt.UTC)),
                                   unit_path, donation_id, request_id, counterparty, document, reason, ""))

    def line(self, *, voucher_id: int, location: Location, item: Item, lot, quantity, value, kind: str,
             day: dt.date) -> None:
        self.rows[VoucherLine].append((voucher_id, location.pk, item.pk, lot, self.decimal(quantity),
                                       self.decimal(value), kind, self.day(day), location.unit_path))
        if len(self.rows[VoucherLine]) >= self.batch:
            self.flush()

    def _insert(self, cursor, model, columns: list[str], rows: list[tuple]) -> None:
        table = model._meta.db_table
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
        cursor.executemany(sql, rows)

    def flush(self) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            for model in (Donor, Donation, DonationLine, Request):
                if self.rows[model]:
                    model.objects.bulk_create(self.rows[model], batch_size=2000)
            if self.rows[Voucher]:
                self._insert(cursor, Voucher, self.VOUCHER_COLUMNS, self.rows[Voucher])
            if self.rows[VoucherLine]:
                self._insert(cursor, VoucherLine, self.LINE_COLUMNS, self.rows[VoucherLine])
        self.rows.clear()


class _Ledger:
    """The year, event by event, over the city's locations."""

    def __init__(self, *, root: OrgUnit, seed: int, year: int, writer: _Writer, stats: LedgerStats):
        self.rng, self.year, self.w, self.stats = random.Random(seed), year, writer, stats
        self.balance: dict[tuple[int, int, int | None], int] = defaultdict(int)
        self.first_in: dict[tuple[int, int], dt.date] = {}  # the day each place first received each item
        self.today = dt.date(year, 1, 1)
        self.lots: dict[tuple[int, int], list[int | None]] = defaultdict(list)  # (location, item) → lots, oldest first
        self.donation_day: dict[int, dt.date] = {}
        self.directed: dict[int, str] = {}
        self.money = money_item()
        self.goods = list(Item.objects.filter(kind=Item.Kind.GOODS, code__in=list(PRICES)).order_by("code"))
        self._places(root)

    # -- the places ----------------------------------------------------------------------------------

    def _places(self, root: OrgUnit) -> None:
        def place(unit, kind, name):
            return Location.objects.get_or_create(unit=unit, name=name, defaults={"kind": kind, "unit_path": unit.path})[0]

        self.root = root
        self.account = place(root, K.ACCOUNT, f"{root.name}红十字会捐款账户")
        self.central = place(root, K.WAREHOUSE, f"{root.name}红十字会物资仓库")
        self.streets = list(OrgUnit.objects.filter(parent=root, kind=OrgUnit.Kind.TOWNSHIP).order_by("code"))
        if not self.streets:
            raise ValueError(f"{root.name} has no streets to distribute to")
        self.warehouses, self.recipients, self.stores = {}, [], []
        for street in self.streets:
            self.warehouses[street.pk] = place(street, K.WAREHOUSE, f"{street.name}物资仓库")
            hospital = place(street, K.HOSPITAL, f"{street.name}社区卫生服务中心")
            enterprises = [place(street, K.ENTERPRISE, f"{street.name}第{n}企业") for n in (1, 2)]
            communities = list(OrgUnit.objects.filter(parent=street, kind=OrgUnit.Kind.COMMUNITY).order_by("code"))
            stores = [place(c, K.COMMUNITY, f"{c.name}物资点") for c in communities[:12]]
            self.stores += stores
            self.recipients += [(street, loc) for loc in [hospital, *enterprises, *stores]]
        self.pseudo: dict[tuple[int, str], Location] = {}

    def _pseudo(self, location: Location, kind: str) -> Location:
        key = (location.unit_id, kind)
        if key not in self.pseudo:
            self.pseudo[key] = location_pseudo(location.unit, kind)
        return self.pseudo[key]

    # -- writing -----------------------------------------------------------------------------------------

    def _voucher(self, kind: str, day: dt.date, home: Location, moves: list[tuple], **fields) -> int:
        """Write a voucher of moves (source, target, item, quantity, lot, value); return its id."""
        voucher_id = self.w.next_id(Voucher)
        self.w.voucher(pk=voucher_id, kind=kind, day=day, unit_path=home.unit_path, **fields)
        for source, target, item, quantity, lot, value in moves:
            for loc, q, v in ((source, -quantity, -value), (target, quantity, value)):
                self.w.line(voucher_id=voucher_id, location=loc, item=item, lot=lot, quantity=q, value=v, kind=kind,
                            day=day)
                self._book(loc, item, lot, q)
                self.stats.lines += 1
        self.stats.vouchers += 1
        return voucher_id

    def _book(self, loc: Location, item: Item, lot: int | None, quantity: int) -> None:
        key = (loc.pk, item.pk, lot)
        if quantity > 0:
            self.first_in.setdefault((loc.pk, item.pk), self.today)
        if self.balance[key] == 0 and quantity > 0:
            self.lots[(loc.pk, item.pk)].append(lot)
        self.balance[key] += quantity
        if loc.kind not in (K.DONORS, K.SUPPLIERS, K.LOST) and self.balance[key] < 0:
            raise AssertionError(f"the generator overdrew {key}")
        if self.balance[key] == 0:
            self.lots[(loc.pk, item.pk)].remove(lot)

    def _take(self, loc: Location, item: Item, want: int, dest: str | None) -> list[tuple[int | None, int]]:
        """Up to `want` of an item from a location's lots, oldest first, skipping gifts directed elsewhere."""
        out = []
        for lot in list(self.lots[(loc.pk, item.pk)]):
            if want <= 0:
                break
            if lot in self.directed and dest is not None and not dest.startswith(self.directed[lot]):
                continue
            part = min(want, self.balance[(loc.pk, item.pk, lot)])
            out.append((lot, part))
            want -= part
        return out

    def _request(self, day: dt.date, target: Location, item: Item, quantity: int, *, spec: str | None = None) -> int:
        request_id = self.w.next_id(Request)
        spec = item.spec if spec is None else spec
        self.w.add(Request(pk=request_id, location=target, unit_path=target.unit_path, item=item, spec=spec,
                           spec_key=spec_key(spec), quantity=quantity, urgency=self.rng.randint(1, 4),
                           state=Request.State.APPROVED, approved_quantity=quantity,
                           created_at=dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)))
        self.stats.requests += 1
        return request_id

    # -- the events --------------------------------------------------------------------------------------

    def _donor(self) -> Donor:
        rng = self.rng
        kind = rng.choices([Donor.Kind.PERSON, Donor.Kind.ORGANISATION, Donor.Kind.GROUP], [6, 3, 1])[0]
        if kind == Donor.Kind.PERSON:
            name = rng.choice(SURNAMES) + "".join(rng.choice(SURNAMES) for _ in range(rng.randint(1, 2)))
        else:
            name = f"{rng.choice(self.streets).name}{rng.choice(DONOR_NAMES)}{rng.randint(1, 500)}"
        donor = Donor(pk=self.w.next_id(Donor), name=name, kind=kind, unit=self.root, unit_path=self.root.path,
                      members=rng.randint(5, 120) if kind == Donor.Kind.GROUP else None,
                      mask_name=kind == Donor.Kind.PERSON and rng.random() < 0.3)
        self.w.add(donor)
        return donor

    def _gift(self, day: dt.date, *, money: bool) -> None:
        rng = self.rng
        donor = self._donor()
        donation_id = self.w.next_id(Donation)
        target = self.account if money else (self.central if rng.random() < 0.6 else
                                             self.warehouses[rng.choice(self.streets).pk])
        if money:  # log-uniform amounts, as real gifts: their first digits follow Benford's law
            amount = Decimal(str(round(10 ** rng.uniform(1.7, 5.5), 2)))
            lines = [(self.money, int(amount), amount)]
        else:
            lines = [(item, rng.randint(2, 200) * 50, Decimal(0)) for item in rng.sample(self.goods, rng.randint(1, 3))]
            amount = Decimal(0)
        directed = rng.random() < 0.1
        direction = rng.choice(self.streets) if directed else None
        receipt_days = rng.choice([0, 1, 2, 3, 5, 7, 10] * 7 + [40])  # one in fifty late
        receipt_day = day + dt.timedelta(days=receipt_days)
        self.w.add(Donation(pk=donation_id, donor=donor, kind=Donation.Kind.MONEY if money else Donation.Kind.GOODS,
                            received_on=day, channel=Donation.Channel.BANK if money else Donation.Channel.DELIVERY,
                            amount=amount, directed=directed, direction_unit=direction, recipient=target,
                            unit_path=target.unit_path, receipt_number=f"R{donation_id:09d}",
                            receipt_date=receipt_day if receipt_day.year == self.year else None))
        for item, quantity, value in lines:
            self.w.add(DonationLine(donation_id=donation_id, item=item, quantity=quantity, value=value))
        self.stats.donations += 1
        self.donation_day[donation_id] = day
        if directed:
            self.directed[donation_id] = direction.path
        donors = self._pseudo(target, K.DONORS)
        self._voucher(V.RECEIPT, day, donors, [(donors, target, item, q, donation_id, Decimal(0)) for item, q, _v in lines],
                      donation_id=donation_id)
        if money and rng.random() < 0.005:  # the same gift entered twice
            self._gift_again(day, donor, amount, target)

    def _gift_again(self, day, donor, amount, target) -> None:
        donation_id = self.w.next_id(Donation)
        self.w.add(Donation(pk=donation_id, donor=donor, kind=Donation.Kind.MONEY, received_on=day,
                            channel=Donation.Channel.BANK, amount=amount, recipient=target, unit_path=target.unit_path))
        self.w.add(DonationLine(donation_id=donation_id, item=self.money, quantity=int(amount), value=amount))
        self.donation_day[donation_id] = day
        donors = self._pseudo(target, K.DONORS)
        self._voucher(V.RECEIPT, day, donors, [(donors, target, self.money, int(amount), donation_id, Decimal(0))],
                      donation_id=donation_id)

    def _transfer(self, day: dt.date) -> None:
        street = self.rng.choice(self.streets)
        target = self.warehouses[street.pk]
        moves = []
        for item in self.rng.sample(self.goods, 2):
            for lot, q in self._take(self.central, item, self.rng.randint(1, 40) * 50, None):
                moves.append((self.central, target, item, q, lot, Decimal(0)))
        if moves:
            self._voucher(V.TRANSFER, day, self.central, moves)

    def _distribute(self, day: dt.date) -> None:
        rng = self.rng
        street, target = rng.choice(self.recipients)
        source = self.warehouses[street.pk] if rng.random() < 0.8 else self.central
        item = rng.choice(self.goods)
        want = rng.randint(1, 20) * 10
        request_id, spec_item = None, item
        if target.kind == K.HOSPITAL or rng.random() < 0.2:
            if item.code == "mask-kn95" and rng.random() < 0.2:  # KN95 delivered where N95 was asked for
                spec_item = next(i for i in self.goods if i.code == "mask-n95")
            request_id = self._request(day, target, spec_item, want)
        taken = self._take(source, item, want, target.unit_path)
        if not taken:
            return
        # One in five hundred is booked as given out the day before the place first received the item (the
        # audit's "distributed before booked").
        first = self.first_in.get((source.pk, item.pk))
        early = first is not None and first > dt.date(self.year, 1, 1) and rng.random() < 0.002
        backdated = first - dt.timedelta(days=1) if early else day
        self._voucher(V.DISTRIBUTION, backdated, source,
                      [(source, target, item, q, lot, Decimal(0)) for lot, q in taken], request_id=request_id)

    def _consume(self, day: dt.date) -> None:
        store = self.rng.choice(self.stores)
        item = self.rng.choice(self.goods)
        taken = self._take(store, item, self.rng.randint(1, 10) * 5, store.unit_path)
        if taken:
            consumed = self._pseudo(store, K.CONSUMED)
            self._voucher(V.CONSUMPTION, day, store, [(store, consumed, item, q, lot, Decimal(0)) for lot, q in taken])

    def _purchase(self, day: dt.date, *, supplier: str | None = None, quantity: int | None = None) -> None:
        rng = self.rng
        street, target = rng.choice(self.recipients)
        item = rng.choice(self.goods)
        quantity = quantity or rng.randint(1, 40) * 100
        price = PRICES[item.code] * (3 if rng.random() < 0.01 else rng.uniform(0.8, 1.2))
        value = Decimal(str(round(quantity * price, 2)))
        money = self._take(self.account, self.money, int(value) + 1, target.unit_path)
        if sum(q for _l, q in money) < int(value) + 1:
            return
        request_id = self._request(day, target, item, quantity)
        suppliers = self._pseudo(self.central, K.SUPPLIERS)
        moves = [(suppliers, self.central, item, quantity, None, value)]
        moves += [(self.account, suppliers, self.money, q, lot, Decimal(0)) for lot, q in money]
        self._voucher(V.PURCHASE, day, suppliers, moves, request_id=request_id,
                      counterparty=supplier or f"湘中医疗器械{rng.randint(1, 60)}号公司",
                      document=f"FP{self.stats.vouchers:09d}")

    def _disburse(self, day: dt.date) -> None:
        street, target = self.rng.choice(self.recipients)
        if target.kind != K.HOSPITAL:
            return
        amount = self.rng.randint(1, 50) * 1000
        taken = self._take(self.account, self.money, amount, target.unit_path)
        if sum(q for _l, q in taken) < amount:
            return
        request_id = self._request(day, target, self.money, amount)
        self._voucher(V.DISTRIBUTION, day, self.account,
                      [(self.account, target, self.money, q, lot, Decimal(0)) for lot, q in taken],
                      request_id=request_id)

    def _write_off(self, day: dt.date) -> None:
        source = self.rng.choice([self.central, *self.warehouses.values()])
        item = self.rng.choice(self.goods)
        taken = self._take(source, item, self.rng.randint(1, 10), None)
        if taken:
            lost = self._pseudo(source, K.LOST)
            self._voucher(V.ADJUSTMENT, day, source, [(source, lost, item, q, lot, Decimal(0)) for lot, q in taken],
                          reason="过期报损")

    def day(self, day: dt.date, events: int) -> None:
        rng = self.rng
        self.today = day
        kinds = [lambda: self._gift(day, money=True), lambda: self._gift(day, money=False),
                 lambda: self._transfer(day), lambda: self._distribute(day), lambda: self._consume(day),
                 lambda: self._purchase(day), lambda: self._disburse(day), lambda: self._write_off(day)]
        weights = [8, 10, 12, 35, 20, 6, 5, 4]
        for _n in range(events):
            rng.choices(kinds, weights)[0]()
        if rng.random() < 0.02:  # a purchase split in three to stay under the approval limit
            for _n in range(3):
                self._purchase(day, supplier="湘中医疗器械拆单公司", quantity=2000)


def ledger_generate(*, root: OrgUnit, lines: int, seed: int = 20200521, year: int = 2020, batch: int = 20000,
                    progress: Callable[[int, int], None] | None = None) -> LedgerStats:
    """Write about `lines` ledger lines over `year` for the streets under `root` (a county); return counts."""
    started = time.perf_counter()
    stats = LedgerStats()
    writer = _Writer(batch)
    ledger = _Ledger(root=root, seed=seed, year=year, writer=writer, stats=stats)
    for item in ledger.goods:
        ItemPrice.objects.get_or_create(item=item, valid_from=dt.date(year, 1, 1), defaults={"price": PRICES[item.code]})
    days = [dt.date(year, 1, 1) + dt.timedelta(days=n) for n in range(366 if year % 4 == 0 else 365)]
    per_event = 2.6  # lines per event, on average
    for n, day in enumerate(days):
        remaining = lines - stats.lines
        if remaining <= 0:
            break
        ledger.day(day, max(1, round(remaining / per_event / (len(days) - n))))
        if progress:
            progress(stats.lines, lines)
    for _attempt in range(100_000):  # events that found no stock wrote nothing: top up on the last day
        if stats.lines >= lines:
            break
        ledger.day(days[-1], 1)
    writer.flush()
    stats.seconds = time.perf_counter() - started
    return stats


def ledger_statistics_refresh() -> None:
    """After a bulk load, what autovacuum does in time: the planner's statistics of every table the ledger's
    queries read (the small ones too: a table of ten items is otherwise estimated at one row) and, on
    PostgreSQL, the visibility map that lets the covering indexes answer without reading the lines (VACUUM;
    not inside a transaction)."""
    tables_analyze(*(m._meta.db_table for m in (VoucherLine, Voucher, Donation, DonationLine, Donor, Item, ItemPrice,
                                                Location, Request, OrgUnit)), vacuum=True)
