"""The person list export of a whole street, with each person's current categories and status (since when).

The population of bench_person_list (BENCH_PEOPLE, 1,000,000 by default, over the seven streets of 娄星区). A
street information officer exports their street's people as CSV, as /persons/export.csv does: persons_export
(the count, the audit entry and the list of the people disclosed), then the file streamed to the end. Measured in
the same run: the rows as the export wrote them before it carried the categories and status (each choice through
the model's get_FOO_display), and the export's rows without their state, so that what the state costs shows: it is
read a chunk of people at a time (persons.exporting.CHUNK), never a query per row. Each is run three times,
alternately, and the best of each is given. A community's export as XLSX follows.
Target: the export with the categories and status streams at least as fast as the export did without them.
"""

from accounts.models import Membership, User
from accounts.roles import Role
from benchmarks.bench_person_list import COUNTY, analyzed, population
from benchmarks.timing import timed
from core.tabular import csv_chunks
from orgunits.models import OrgUnit
from persons.exporting import people_read, person_cells, persons_export, words
from persons.identity import mask_doc, mask_phone
from persons.models import Person
from persons.selectors import PersonFilter, persons_filtered

ROUNDS = 3


def _consume(chunks) -> tuple[int, int]:
    """(bytes, lines) of a streamed download's chunks."""
    size = lines = 0
    for chunk in chunks:
        size += len(chunk)
        lines += chunk.count(b"\n")
    return size, lines


def _before_rows(qs):
    """The rows as the export wrote them before it carried the categories and status (masked, as an officer's)."""
    for p in qs.select_related("grid").order_by("unit_path", "id").iterator(chunk_size=2000):
        yield [p.name, p.get_sex_display(), p.birth_date.isoformat() if p.birth_date else "", p.get_doc_type_display(),
               mask_doc(p.doc_number), mask_phone(p.phone), p.address, p.grid.code, p.grid.name,
               p.get_household_relation_display() if p.household_relation else "", p.notes]


def _reference_rows(qs, words):
    """The export's own columns of each person (masked, as an officer's), without the categories and status."""
    for p in people_read(qs):
        yield person_cells(p, full=False, words=words)


def main():
    streets, _stats = population()
    analyzed()
    street = max(streets, key=lambda s: Person.objects.filter(unit_path__under=s.path).count())
    officer = User.objects.create(username=f"bench-export-{street.code}", full_name=f"{street.name}信息员")
    Membership.objects.create(user=officer, role=Role.STREET_OFFICER, unit=street, unit_path=street.path)
    qs = persons_filtered(officer, PersonFilter(unit=street))
    people = qs.count()
    print(f"   {street.name}: {people:,} people of the {Person.objects.count():,} under 娄星区 ({COUNTY})")

    befores, refs, streams, setups = [], [], [], []
    for _run in range(ROUNDS):  # alternately, the best of each: other work on the machine hits them alike
        ms_before, (_size, before_lines) = timed(lambda: _consume(csv_chunks(header=["x"] * 11,
                                                                             rows=_before_rows(qs))))
        ms_ref, (_size, ref_lines) = timed(lambda: _consume(csv_chunks(header=["x"] * 11,
                                                                       rows=_reference_rows(qs, words()))))
        ms_setup, response = timed(lambda: persons_export(user=officer, qs=qs, fmt="csv", filters={}))
        ms_stream, (size, lines) = timed(lambda: _consume(response.streaming_content))  # noqa: B023
        assert lines == ref_lines == before_lines == people + 1, (lines, ref_lines, people)
        befores.append(ms_before)
        refs.append(ms_ref)
        streams.append(ms_stream)
        setups.append(ms_setup)
    for label, ms in [("the export before, without categories and status", min(befores)),
                      ("the export's rows now, without their state", min(refs)),
                      ("the export with categories and status", min(streams))]:
        print(f"   {label:<52} {ms / 1000:6.1f} s {people / (ms / 1000):10,.0f} rows/s")
    print(f"   file: {size / 1e6:,.1f} MB; before the stream (count, audit entry, disclosures): "
          f"{min(setups) / 1000:.1f} s")
    cost = min(streams) / min(refs) - 1
    print(f"   the state columns add {cost:.0%} to the rows' time; throughput kept (at least the export's before): "
          f"{'met' if min(streams) <= min(befores) else 'NOT MET'}")

    community = OrgUnit.objects.filter(parent=street, kind=OrgUnit.Kind.COMMUNITY).order_by("path").first()
    small = persons_filtered(officer, PersonFilter(unit=community))
    n = small.count()
    ms_xlsx, response = timed(lambda: persons_export(user=officer, qs=small, fmt="xlsx", filters={}))
    ms_read, size = timed(lambda: sum(len(c) for c in response.streaming_content))
    print(f"   {community.name} as XLSX: {n:,} people in {(ms_xlsx + ms_read) / 1000:.1f} s "
          f"({n / ((ms_xlsx + ms_read) / 1000):,.0f} rows/s, {size / 1e6:.1f} MB)")

