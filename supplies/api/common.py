"""The supplies API's router and what its modules share: an item or a unit named by code, and the answers' shapes
built from the models."""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from core.errors import DomainError
from persons.disclosure import person_shown
from supplies import selectors
from supplies.models import Donation, Item, Location, Publication, Request, Voucher

router = Router(tags=["supplies"])
K = Location.Kind


def item_by_code(code: str) -> Item:
    item = Item.objects.filter(code=code).first()
    if item is None:
        raise DomainError("unknown_item", _("No item has the code %(code)s.") % {"code": code},
                          fields={"item": [_("Unknown item.")]})
    return item


def location_out(loc: Location) -> dict:
    return {"id": loc.pk, "name": loc.name, "kind": loc.kind, "unit": loc.unit.code, "unit_name": loc.unit.name}


def voucher_out(request: HttpRequest, v: Voucher) -> dict:
    """A voucher; its recipient's id only when the caller may open the person (persons.disclosure)."""
    recipient = person_shown(request.user, v.person).id if v.person_id else None
    lines = v.lines.select_related("location", "item").order_by("id")
    reversal = Voucher.objects.filter(reverses=v).values_list("pk", flat=True).first()
    return {"id": v.pk, "number": v.number, "kind": v.kind, "occurred_on": v.occurred_on, "posted_at": v.posted_at,
            "posted_by": v.posted_by.get_username() if v.posted_by_id else None, "request_id": v.request_id,
            "donation_id": v.donation_id, "person_id": recipient, "counterparty": v.counterparty,
            "document": v.document, "reason": v.reason, "note": v.note, "reverses_id": v.reverses_id,
            "reversed_by_id": reversal,
            "lines": [{"location_id": ln.location_id, "location": ln.location.name, "location_kind": ln.location.kind,
                       "item": ln.item.code, "donation_id": ln.donation_id, "quantity": ln.quantity,
                       "value": ln.value} for ln in lines]}


def request_out(r: Request) -> dict:
    selectors.requests_fulfilment([r])
    return {"id": r.pk, "location_id": r.location_id, "location": r.location.name, "item": r.item.code,
            "spec": r.spec, "quantity": r.quantity, "urgency": r.urgency, "state": r.state,
            "approved_quantity": r.approved_quantity, "needed": r.needed, "allocated": r.allocated,
            "delivered": r.delivered, "created_at": r.created_at, "version": r.version}


def donor_out(d) -> dict:
    return {"id": d.pk, "name": d.name, "kind": d.kind, "members": d.members, "members_note": d.members_note,
            "mask_name": d.mask_name, "public_name": d.public_name}


def donation_out(d: Donation) -> dict:
    accounts = selectors.donation_accounts([d.pk])
    items = Item.objects.in_bulk({i for _d, i in accounts})
    return {"id": d.pk, "donor": donor_out(d.donor), "kind": d.kind, "received_on": d.received_on,
            "channel": d.channel, "amount": d.amount, "directed": d.directed,
            "direction_unit": d.direction_unit.code if d.direction_unit_id else None,
            "direction_note": d.direction_note, "receipt_number": d.receipt_number, "receipt_date": d.receipt_date,
            "recipient_id": d.recipient_id, "receipt_vouchers": list(d.receipts.order_by("id").values_list("pk", flat=True)),
            "accounts": [{"item": items[i].code, "declared": a.declared, "received": a.received,
                          "delivered": a.delivered, "spent": a.spent, "on_hand": a.on_hand, "lost": a.lost}
                         for (_d, i), a in sorted(accounts.items())],
            "destinations": [{"destination": where, "item": item.code, "quantity": q}
                             for where, item, q in selectors.donation_destinations([d.pk]).get(d.pk, [])]}


def publication_out(p: Publication) -> dict:
    return {"id": p.pk, "unit": p.unit.code, "unit_name": p.unit.name, "period_start": p.period_start,
            "period_end": p.period_end, "published_at": p.published_at, "totals": p.totals, "rows": p.rows}
