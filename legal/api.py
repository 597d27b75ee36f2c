"""Legal endpoints: search the knowledge base, entries, the hotline call log, publicity activities and their
totals. Same services, selectors and scope as the pages."""

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from accounts import access
from accounts.roles import LEGAL_CALLS, LEGAL_MANAGE, PUBLICITY_RECORD, REPORTS_VIEW
from legal import selectors, services
from legal.models import KnowledgeEntry
from legal.search import search

router = Router(tags=["legal"])


class HitOut(Schema):
    id: int
    question: str
    question_html: str = Field(..., description="the question with the matched words in <mark>")
    snippet_html: str
    basis: str
    score: float


class EntryIn(Schema):
    question: str
    answer: str
    basis: str = ""
    tags: str = ""
    valid_from: dt.date
    valid_to: dt.date | None = None


class EntryOut(EntryIn):
    id: int


class CallIn(Schema):
    unit: str | None = Field(None, description="code of the hotline's unit; the top of the caller's scope by default")
    received_at: dt.datetime | None = None
    caller_name: str = ""
    caller_phone: str = ""
    question: str
    category: str
    answer: str = ""
    entries: list[int] = []
    follow_up_needed: bool = False
    follow_up_note: str = ""


class CallOut(Schema):
    id: int
    unit: str
    received_at: dt.datetime
    caller: str = Field(..., description="masked in lists; whole when one call is read")
    caller_phone: str
    question: str
    category: str
    answer: str
    entries: list[int]
    follow_up_needed: bool
    follow_up_done_at: dt.datetime | None


class ActivityIn(Schema):
    unit: str | None = None
    kind: str
    quantity: Decimal
    day: dt.date
    place: str = ""
    note: str = ""


class TotalOut(Schema):
    kind: str
    label: str
    records: int
    total: Decimal


def _entry_out(entry: KnowledgeEntry) -> dict:
    return {"id": entry.pk, **{k: getattr(entry, k) for k in ("question", "answer", "basis", "tags", "valid_from",
                                                               "valid_to")}}


def _call_out(call, *, masked: bool) -> dict:
    return {"id": call.pk, "unit": call.unit.code, "received_at": call.received_at,
            "caller": selectors.caller_masked(call) if masked else " ".join(
                x for x in (call.caller_name, call.caller_phone) if x),
            "caller_phone": "" if masked else call.caller_phone, "question": call.question,
            "category": call.category, "answer": call.answer, "entries": [e.pk for e in call.entries.all()],
            "follow_up_needed": call.follow_up_needed, "follow_up_done_at": call.follow_up_done_at}


@router.get("/legal/search", response=list[HitOut], summary="Search the legal knowledge base (Chinese words, "
                                                            "synonyms, ranked, matches marked)")
def legal_search(request: HttpRequest, q: str, limit: int = 20):
    return [{"id": h.entry.pk, "question": h.entry.question, "question_html": str(h.question_html),
             "snippet_html": str(h.snippet_html), "basis": h.entry.basis, "score": h.score}
            for h in search(q[:500], limit=max(1, min(limit, 50)))]


@router.get("/legal/entries/{entry_id}", response=EntryOut, summary="A knowledge entry")
def legal_entry_get(request: HttpRequest, entry_id: int):
    return _entry_out(get_object_or_404(KnowledgeEntry, pk=entry_id))


@router.post("/legal/entries", response={201: EntryOut}, summary="Add a knowledge entry")
def legal_entry_create(request: HttpRequest, payload: EntryIn):
    access.require(request.user, LEGAL_MANAGE)
    return Status(201, _entry_out(services.entry_save(data=payload.dict(), by=request.user)))


@router.put("/legal/entries/{entry_id}", response=EntryOut, url_name="legal_entry_update",
            summary="Change a knowledge entry (every field, as its page's form)")
def legal_entry_update(request: HttpRequest, entry_id: int, payload: EntryIn):
    access.require(request.user, LEGAL_MANAGE)
    entry = get_object_or_404(KnowledgeEntry, pk=entry_id)
    return _entry_out(services.entry_save(entry=entry, data=payload.dict(), by=request.user))


@router.get("/legal/calls", response=list[CallOut], summary="The hotline calls in scope, newest first (callers masked)")
def legal_call_list(request: HttpRequest, limit: int = 100):
    access.require(request.user, LEGAL_CALLS)
    calls = selectors.calls_for_user(request.user).select_related("unit").prefetch_related("entries")
    return [_call_out(c, masked=True) for c in calls[:max(1, min(limit, 500))]]


@router.get("/legal/calls/{call_id}", response=CallOut, summary="One hotline call")
def legal_call_get(request: HttpRequest, call_id: int):
    return _call_out(selectors.call_get_for_user(request.user, call_id), masked=False)


class FollowUpIn(Schema):
    note: str = Field("", description="what was said; the note given when the call was logged by default")


@router.post("/legal/calls/{call_id}/follow-up", response=CallOut, url_name="legal_call_follow_up",
             summary="Record that a call needing a follow-up was followed up")
def legal_call_follow_up(request: HttpRequest, call_id: int, payload: FollowUpIn):
    call = selectors.call_get_for_user(request.user, call_id)
    return _call_out(services.call_follow_up_done(call=call, note=payload.note, by=request.user), masked=False)


@router.post("/legal/calls", response={201: CallOut}, summary="Log a hotline call")
def legal_call_create(request: HttpRequest, payload: CallIn):
    access.require(request.user, LEGAL_CALLS)
    unit = access.unit_or_top_for_user(request.user, payload.unit, perm=LEGAL_CALLS)
    entries = list(KnowledgeEntry.objects.filter(pk__in=payload.entries))
    call = services.call_record(unit=unit, data=payload.dict(), entries=entries, by=request.user)
    return Status(201, _call_out(call, masked=False))


@router.get("/legal/publicity/totals", response=list[TotalOut],
            summary="The campaign's totals per kind for a unit's subtree and a range of days")
def legal_publicity_totals(request: HttpRequest, unit: str | None = None, first: dt.date | None = None,
                           last: dt.date | None = None):
    target = access.unit_or_top_for_user(request.user, unit, perm=REPORTS_VIEW)
    return selectors.activity_totals(under=target.path, first=first, last=last)


@router.post("/legal/publicity", response={201: TotalOut}, summary="Record a publicity activity; answers the new "
                                                                    "total of its kind for its unit")
def legal_publicity_create(request: HttpRequest, payload: ActivityIn):
    unit = access.unit_or_top_for_user(request.user, payload.unit, perm=PUBLICITY_RECORD)
    activity = services.activity_record(unit=unit, kind=payload.kind, quantity=payload.quantity, day=payload.day,
                                        place=payload.place, note=payload.note, by=request.user)
    totals = selectors.activity_totals(under=unit.path, first=None, last=None)
    return Status(201, next(t for t in totals if t["kind"] == activity.kind))
