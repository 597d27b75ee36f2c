"""The street 台账 file the import's benchmark and crash-safety test read: valid people, the same file every time."""

import csv
import datetime as dt

from persons.generator.people_csv import HEADER, people_csv_write
from persons.identity import resident_id_check


def test_the_people_file_is_the_same_for_the_same_size_and_every_row_is_a_valid_person(cast, tmp_path):
    grids = [cast.grid_a, cast.grid_b]
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    people_csv_write(first, 40, grids)
    people_csv_write(second, 40, grids)
    assert first.read_bytes() == second.read_bytes() and first.read_bytes().startswith("\ufeff".encode())
    with first.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == HEADER and len(rows) == 41
    assert len({r[3] for r in rows[1:]}) == 40
    assert all(resident_id_check(r[3], today=dt.date(2020, 12, 31)) for r in rows[1:])
    assert {r[7] for r in rows[1:]} == {g.code for g in grids}
    ways = [("-" in r[4], "/" in r[4], "年" in r[4], r[4].isdigit()) for r in rows[1:5]]
    assert sorted(ways, reverse=True) == [(True, False, False, False), (False, True, False, False),
                                          (False, False, True, False), (False, False, False, True)]  # four ways of writing a date
