"""The enterprise daily prevention report (复工复产企业防控日报) computed by the report engine from the
checkpoints' facts, loaded by its command; the numbers as of each day's cut-off, and who is behind them."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from checkpoints import services
from checkpoints.demo import REPORT_FORMS
from checkpoints.models import IncidentStep
from checkpoints.tests.conftest import local
from reports.engine import table_compute
from reports.expressions import parse
from reports.facts import Window, source_for
from reports.models import Form

K = IncidentStep.Kind


@pytest.fixture
def day_of_the_fever(gates):
    """21 Feb 2020: three of the team come in for the evening shift, 颜某 at 39.5 °C twice; the plan runs
    until the negative result at 22:00, after the report's 18:00 cut-off."""
    with time_machine.travel(local(2020, 2, 21, 15, 50), tick=False) as clock:
        for badge in ("LG0100", "LG0102"):
            services.passage_record(checkpoint=gates.gate, direction="in", code=badge, temperature="36.5",
                                    by=gates.liaison)
        clock.move_to(local(2020, 2, 21, 16, 0))
        alert = services.passage_record(checkpoint=gates.gate, direction="in", code="LG0101", temperature="39.5",
                                        by=gates.liaison).alert
        clock.move_to(local(2020, 2, 21, 16, 10))
        alert = services.alert_recheck(alert=alert, temperature="39.5", by=gates.liaison)
        incident = alert.incident
        services.incident_step_record(incident=incident, kind=K.TEAM_SUSPENDED, by=gates.liaison)
        clock.move_to(local(2020, 2, 21, 22, 0))
        services.incident_step_record(incident=incident, kind=K.OUTCOME,
                                      data={"result": "negative", "tests": ["ct", "nat"]}, by=gates.liaison)
    return incident


def _report(cast, day):
    form = Form.objects.get(code="enterprise_daily")
    return table_compute(form=form, unit=cast.street, day=day).total


def test_the_command_loads_the_form_and_checks_it(db):
    out = StringIO()
    call_command("reports_seed", str(REPORT_FORMS), "--dry-run", stdout=out)
    assert "nothing written" in out.getvalue() and not Form.objects.filter(code="enterprise_daily").exists()
    call_command("reports_seed", str(REPORT_FORMS), stdout=out)
    form = Form.objects.get(code="enterprise_daily")
    assert form.name_zh == "复工复产企业防控日报" and len(form.versions.get().columns) == 10
    call_command("reports_seed", str(REPORT_FORMS), stdout=out)
    assert form.versions.count() == 1  # a second run changes nothing


def test_the_daily_report_counts_the_day_of_the_fever(cast, day_of_the_fever):
    call_command("reports_seed", str(REPORT_FORMS), stdout=StringIO())
    total = _report(cast, dt.date(2020, 2, 21))
    assert total == {"roster": 8, "on_duty": 3, "checked": 3, "readings": 3, "fever_readings": 1, "alerts": 1,
                     "incidents": 1, "incidents_open": 1, "suspended_teams": 1, "suspended_staff": 8}
    next_day = _report(cast, dt.date(2020, 2, 22))
    assert next_day == {"roster": 8, "on_duty": 0, "checked": 0, "readings": 0, "fever_readings": 0, "alerts": 0,
                        "incidents": 0, "incidents_open": 0, "suspended_teams": 0, "suspended_staff": 0}


def test_the_people_behind_a_number_are_listed_in_scope(cast, gates, day_of_the_fever):
    indicator = parse("count staff where entered = yes")
    window = Window(cutoff=local(2020, 2, 21, 18, 0), period_start=local(2020, 2, 20, 18, 0))
    source = source_for(indicator)
    ids = source.members(indicator, window=window, under=cast.street.path)
    assert len(ids) == 3
    names = {row["label"] for row in source.members_rows(ids, user=gates.liaison).values()}
    assert names == {"王建国", "颜某", "李志强"}
    assert source.members_rows(ids, user=cast.community_b_worker) == {}


def test_unknown_names_are_refused_with_their_position(db):
    from reports.engine import expression_check
    from reports.expressions import ExpressionError

    with pytest.raises(ExpressionError) as error:
        expression_check("count staff where vaccinated = yes")
    assert "vaccinated" in str(error.value)
    with pytest.raises(ExpressionError):
        expression_check("count alerts where state = forgotten")
