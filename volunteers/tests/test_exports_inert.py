"""The contribution tally comes out with a civilised unit's name that begins like a formula as text."""

import pytest

from core.tests.inert import assert_inert, file_cells
from core.tests.tabular_files import PAYLOADS
from volunteers import services


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_tally_exports_formulas_as_text(cast, teams, client_for, fmt):
    for i, payload in enumerate(PAYLOADS):
        services.org_create(code=f"formula{i}", name=payload, level="city", unit=cast.city, by=teams.office)
    response = client_for(teams.office).get(f"/volunteers/tally/?format={fmt}")
    assert response.status_code == 200
    cells = file_cells(response.content, fmt)
    assert_inert(cells, PAYLOADS)
    assert all(isinstance(row[0], int) for row in cells[1:]) or fmt == "csv"  # the ranks stay numbers
