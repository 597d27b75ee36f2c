"""The demo's supplies load once, follow the ledger's rules, and leave the auditor something to find."""

import datetime as dt

from accounts.access import Scope
from orgunits.demo import demo_tree
from supplies.checks import audit_run
from supplies.demo import supplies_demo
from supplies.models import Donation, Publication


def test_the_demo_loads_once_and_the_auditor_finds_its_two_irregularities(db):
    demo_tree()
    counts = supplies_demo()
    assert counts["donations"] == 4 and Publication.objects.count() == 2
    assert supplies_demo() == {"donations": 0}
    results = dict((c.code, f) for c, f in audit_run(scope=Scope(None), start=dt.date(2020, 2, 1),
                                                     end=dt.date(2020, 2, 29)))
    assert [f.donation_id for f in results["receipts_late"]] == [Donation.objects.get(donor__name="李建国").pk]
    assert len(results["spec_mismatch"]) == 1
    assert not results["directed_elsewhere"] and not results["donations_accounted"]
