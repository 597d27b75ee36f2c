"""Probable duplicates: people who are likely the same real person under two records.

Exact document duplicates cannot exist (a unique constraint). The scan finds, with a few GROUP BY
queries and no per-row Python over the table:
  - the same name and phone;
  - the same name and birth date;
  - document numbers of the same type one character apart (a substitution at one position):
    two numbers that differ only at position i share the number with position i cut out, so one
    GROUP BY per position finds them. Valid resident IDs never differ by one character (GB 11643's
    check digit catches every single substitution), so these passes look at passports and permits only.
Pairs once marked "not a duplicate" are left out.
"""

from dataclasses import dataclass

from django.db import connection
from django.utils.translation import gettext_lazy as _

from core.db import group_concat, prefix_match
from persons.identity import mask_doc, mask_phone
from persons.models import DuplicateDismissal, Person

REASONS = {
    "name_phone": _("same name and phone"),
    "name_birth": _("same name and birth date"),
    "doc_one_apart": _("document numbers one character apart"),
}


@dataclass(frozen=True)
class DuplicatePair:
    low_id: int
    high_id: int
    reason: str

    @property
    def reason_label(self) -> str:
        return str(REASONS[self.reason])


def _scope_sql(scope) -> tuple[str, list]:
    if scope.everything:
        return "1=1", []
    if scope.empty:
        return "1=0", []
    matches = [prefix_match(p) for p in scope.paths]
    return "(" + " OR ".join(f"unit_path {op} %s" for op, _pattern in matches) + ")", [m[1] for m in matches]


def _pairs(sql: str, params: list) -> list[tuple[int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    pairs = []
    for (ids,) in rows:
        members = sorted(int(i) for i in str(ids).split(","))
        pairs.extend((a, b) for i, a in enumerate(members) for b in members[i + 1:])
    return pairs


def duplicates_scan(scope, *, limit: int | None = None) -> list[DuplicatePair]:
    """Probable duplicate pairs among the people in `scope`, excluding dismissed pairs."""
    table = Person._meta.db_table
    where, params = _scope_sql(scope)
    agg = group_concat("id")
    found: dict[tuple[int, int], str] = {}

    def add(pairs, reason):
        for pair in pairs:
            found.setdefault(pair, reason)

    add(_pairs(f"SELECT {agg} FROM {table} WHERE {where} AND phone <> '' GROUP BY name, phone HAVING COUNT(*) > 1",
               params), "name_phone")
    add(_pairs(f"SELECT {agg} FROM {table} WHERE {where} AND birth_date IS NOT NULL "
               f"GROUP BY name, birth_date HAVING COUNT(*) > 1", params), "name_birth")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(LENGTH(doc_number)) FROM {table} WHERE {where} AND doc_type <> 'resident_id'",
                       params)
        longest = cursor.fetchone()[0] or 0
    for i in range(1, longest + 1):
        cut = f"SUBSTR(doc_number, 1, {i - 1}) || SUBSTR(doc_number, {i + 1})"
        add(_pairs(f"SELECT {agg} FROM {table} WHERE {where} AND doc_type <> 'resident_id' AND LENGTH(doc_number) >= {i} "
                   f"GROUP BY doc_type, LENGTH(doc_number), {cut} HAVING COUNT(*) > 1", params), "doc_one_apart")
    if found:
        dismissed = set(DuplicateDismissal.objects.values_list("person_low_id", "person_high_id"))
        found = {k: v for k, v in found.items() if k not in dismissed}
    pairs = [DuplicatePair(a, b, reason) for (a, b), reason in sorted(found.items())]
    return pairs[:limit] if limit else pairs


def duplicates_for_review(scope, *, limit: int = 200) -> list[tuple[DuplicatePair, Person, Person]]:
    """The pairs to review (the page's and the API's), each with its two people (grid read, document and phone
    masked as `doc_masked` and `phone_masked`)."""
    pairs = duplicates_scan(scope, limit=limit)
    people = {p.pk: p for p in Person.objects.filter(pk__in={i for pr in pairs for i in (pr.low_id, pr.high_id)})
              .select_related("grid")}
    rows = [(pr, people[pr.low_id], people[pr.high_id]) for pr in pairs if pr.low_id in people and pr.high_id in people]
    for _pr, a, b in rows:
        for p in (a, b):
            p.doc_masked, p.phone_masked = mask_doc(p.doc_number), mask_phone(p.phone)
    return rows
