"""The public transparency list (信息公开): the donations a unit received — source, items, amounts,
destinations — drawn from the ledger, published every N days. Each publication is a cumulative
snapshot stored as published (donors who asked already masked), so the history of what the public saw
is kept; rows new since the previous publication are marked."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.roles import SUPPLIES_PUBLISH
from core import clock
from core.audit import audit_record
from core.errors import DomainError
from orgunits.models import OrgUnit
from supplies.models import Donation, Item, Publication
from supplies.selectors import donation_accounts, donation_destinations
from supplies.services.common import number_text, require_in_scope


def publish_every_days() -> int:
    return int(getattr(settings, "SUPPLIES_PUBLISH_EVERY_DAYS", 7))


def transparency_rows(*, unit: OrgUnit, start: dt.date, end: dt.date) -> tuple[list[dict], dict]:
    """The public rows of the donations `unit` (and units below it) received from `start` to `end`, and
    the totals. Amounts and items are what the ledger booked as received, not what was promised."""
    donations = list(Donation.objects.filter(unit_path__under=unit.path, received_on__gte=start,
                                             received_on__lte=end)
                     .select_related("donor", "direction_unit").order_by("received_on", "id"))
    ids = [d.pk for d in donations]
    accounts = donation_accounts(ids)
    destinations = donation_destinations(ids)
    items = Item.objects.in_bulk({i for _d, i in accounts})
    received: dict[int, list] = defaultdict(list)
    for (donation_id, item_id), account in sorted(accounts.items()):
        if account.received:
            received[donation_id].append((items[item_id], account.received))
    rows, money_total, item_totals = [], Decimal("0"), defaultdict(lambda: Decimal("0"))
    for d in donations:
        money = sum((q for item, q in received[d.pk] if item.kind == Item.Kind.MONEY), Decimal("0"))
        goods = [(item, q) for item, q in received[d.pk] if item.kind == Item.Kind.GOODS]
        money_total += money
        for item, q in goods:
            item_totals[item] += q
        rows.append({
            "ref": d.pk,
            "date": d.received_on.isoformat(),
            "donor": d.donor.public_name,
            "donor_kind": d.donor.kind,
            "members": d.donor.members_note or (str(d.donor.members) if d.donor.members else ""),
            "kind": d.kind,
            "channel": d.channel,
            "directed_to": d.direction_unit.name if d.directed and d.direction_unit else "",
            "money": number_text(money) if money else "",
            "items": [[str(item), item.unit, number_text(q)] for item, q in goods],
            "destinations": [[where, str(item), item.unit, number_text(q)] for where, item, q in destinations.get(d.pk, [])],
            "receipt_issued": bool(d.receipt_number),
        })
    totals = {"donations": len(rows), "money": number_text(money_total),
              "items": [[str(item), item.unit, number_text(q)] for item, q in sorted(item_totals.items(),
                                                                                    key=lambda kv: str(kv[0]))]}
    return rows, totals


def transparency_due(*, unit: OrgUnit, today: dt.date | None = None) -> bool:
    """Whether the unit's list is due: never published, or last published N days ago or more."""
    today = today or clock.today()
    last = Publication.objects.filter(unit=unit).order_by("-published_at").first()
    return last is None or (today - last.period_end).days >= publish_every_days()


def transparency_publish(*, unit: OrgUnit, by, until: dt.date | None = None) -> Publication:
    """Publish the unit's list of donations received up to `until` (today by default)."""
    require_in_scope(by, SUPPLIES_PUBLISH, unit.path, what=unit.name)
    until = until or clock.today()
    if until > clock.today():
        raise DomainError("future_date", _("A list cannot be published for days still to come."),
                          fields={"until": [_("In the future.")]})
    with transaction.atomic():
        previous = Publication.objects.select_for_update().filter(unit=unit).order_by("-published_at", "-id").first()
        first = (Donation.objects.filter(unit_path__under=unit.path).order_by("received_on")
                 .values_list("received_on", flat=True).first())
        start = min(first or until, until)
        rows, totals = transparency_rows(unit=unit, start=start, end=until)
        seen = {row["ref"] for row in previous.rows} if previous is not None else set()
        for row in rows:
            row["new"] = row["ref"] not in seen
        publication = Publication.objects.create(unit=unit, unit_path=unit.path, period_start=start,
                                                 period_end=until, published_by=by, rows=rows, totals=totals)
        audit_record(actor=by, action="create", obj=publication, unit_path=unit.path,
                     after={"period_start": start.isoformat(), "period_end": until.isoformat(),
                            "donations": totals["donations"]})
    return publication
