"""A stay recorded by mistake removed through the API as on the case's page: scope, audit, nothing else touched."""

import datetime as dt

from core.models import AuditEntry
from tracing import services
from tracing.models import Visit
from tracing.tests.conftest import NOW


def _stay(cast, case, place="菜市场"):
    return services.visit_record(person=case.person, place=place, community=cast.community_a,
                                 start=NOW - dt.timedelta(hours=5), end=NOW - dt.timedelta(hours=4), by=None)


def test_street_officer_removes_a_stay_through_the_api_and_the_audit_keeps_it(cast, confirmed_case, client_for):
    stay, kept = _stay(cast, confirmed_case), _stay(cast, confirmed_case, place="药店")
    response = client_for(cast.street_officer).delete(f"/api/visits/{stay.pk}")
    assert response.status_code == 204, response.content
    assert list(Visit.objects.all()) == [kept]
    entry = AuditEntry.objects.get(object_type="tracing.visit", object_id=str(stay.pk), action="delete")
    assert entry.actor == cast.street_officer and entry.before["place"] == "菜市场"


def test_a_stay_outside_the_callers_scope_answers_a_removal_as_a_missing_one(cast, confirmed_case, client_for):
    stay = _stay(cast, confirmed_case)
    client = client_for(cast.other_street_officer)
    theirs, missing = client.delete(f"/api/visits/{stay.pk}"), client.delete("/api/visits/987654321")
    assert theirs.status_code == missing.status_code == 404 and theirs.json() == missing.json()
    assert Visit.objects.filter(pk=stay.pk).exists()
