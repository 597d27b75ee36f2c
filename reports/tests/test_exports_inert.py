"""A report's files come out with a unit whose name begins like a formula as text: the day's workbook in the
official layout and a report as CSV; the figures stay numbers."""

from core.tests.inert import assert_inert, csv_cells, xlsx_cells
from core.tests.tabular_files import PAYLOADS
from orgunits.models import OrgUnit
from reports import exporting, services
from reports.tests.test_exports import DAY, _forms, day_people, evening  # noqa: F401 (the fixtures)


def test_the_days_workbook_and_a_report_s_csv_hold_formulas_as_text(cast, day_people):  # noqa: F811
    names = PAYLOADS[:2]
    OrgUnit.objects.filter(pk=cast.community_a.pk).update(name=names[0])
    OrgUnit.objects.filter(pk=cast.community_b.pk).update(name=names[1])

    cells = xlsx_cells(exporting.workbook_for_day(unit=cast.street, day=DAY, user=cast.street_officer))
    assert_inert(cells, names)
    assert any(isinstance(v, int) for row in cells for v in row)  # the figures are numbers

    draft = services.submission_compute(form=_forms()["hubei_wuhan_daily"], unit=cast.street, day=DAY,
                                        by=cast.street_officer)
    rows = csv_cells(exporting.csv_for_submission(draft, user=cast.street_officer))
    assert_inert(rows, names)
    total = rows[-3]  # then an empty line and the line saying where the report stands
    assert total[2:] and all(v == "" or v.lstrip("-").replace(".", "").isdigit() for v in total[2:])
