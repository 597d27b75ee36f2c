"""The auditor's export of the findings comes out with a place whose name begins like a formula as text, and the
amounts as numbers."""

from decimal import Decimal

import pytest

from core.tests.inert import assert_inert, file_cells
from core.tests.tabular_files import PAYLOADS
from supplies import services
from supplies.models import Location
from supplies.tests.conftest import DAY


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_audit_findings_export_formulas_as_text(cast, depot, gift, client_for, fmt):
    gift()
    for payload in PAYLOADS:  # masks sent to hospitals that had not asked for them: a finding names each
        hospital = services.location_create(unit=cast.street, kind=Location.Kind.HOSPITAL, name="医院", by=None)
        Location.objects.filter(pk=hospital.pk).update(name=payload)
        services.distribution_post(source=depot.warehouse, target=hospital, lines=[(depot.n95, "10")],
                                   occurred_on=DAY, by=None)
    response = client_for(depot.auditor).get(f"/supplies/audit/export.{fmt}", {"start": "2020-01-01",
                                                                                "end": "2020-02-29"})
    assert response.status_code == 200
    cells = file_cells(response.content, fmt)
    assert_inert(cells, PAYLOADS)
    found = [row for row in cells if row[0] == "unrequested_deliveries"]
    assert len(found) == len(PAYLOADS) and {Decimal(str(row[7])) for row in found} == {10}  # amounts are numbers
    assert all(not isinstance(row[7], str) for row in found) or fmt == "csv"
