"""Keyset pagination: the next page starts after the last row seen, so page 1,000 costs what page 1 does
and no COUNT(*) runs over the table."""

import base64
import json
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime


@dataclass
class Page:
    items: list
    next_cursor: str | None


def _encode(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, cls=DjangoJSONEncoder).encode()).decode()


def _decode(cursor: str) -> list | None:
    try:
        return json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError):
        return None


def keyset_page(qs: QuerySet, *, order: tuple[str, ...], cursor: str | None, size: int = 50) -> Page:
    """One page of `qs` ordered by `order` (unique together, e.g. ("-at", "-id")), after `cursor`."""
    qs = qs.order_by(*order)
    fields = [o.lstrip("-") for o in order]
    values = _decode(cursor) if cursor else None
    if values and len(values) == len(fields):
        for i, f in enumerate(fields):
            model_field = qs.model._meta.get_field(f)
            if model_field.get_internal_type() == "DateTimeField" and isinstance(values[i], str):
                values[i] = parse_datetime(values[i])
        # (a, b) after (x, y) in the given directions: a > x OR (a = x AND b > y) ...
        condition = Q()
        for i, o in enumerate(order):
            op = "lt" if o.startswith("-") else "gt"
            step = Q(**{f"{fields[i]}__{op}": values[i]})
            for j in range(i):
                step &= Q(**{fields[j]: values[j]})
            condition |= step
        # The leading bound repeats what the OR implies, so that the index range scan starts at the
        # cursor instead of filtering from the first row (PostgreSQL cannot derive it from the OR).
        first_op = "lte" if order[0].startswith("-") else "gte"
        qs = qs.filter(Q(**{f"{fields[0]}__{first_op}": values[0]}) & condition)
    items = list(qs[: size + 1])
    next_cursor = None
    if len(items) > size:
        items = items[:size]
        last = items[-1]
        next_cursor = _encode([getattr(last, f"{f}_id" if qs.model._meta.get_field(f).is_relation else f)
                               for f in fields])
    return Page(items=items, next_cursor=next_cursor)
