"""Merging two records of the same person when the ledger names one of them: the ledger is never rewritten,
so the record it names must be the one kept; merged the other way round, the merge is refused, with the way
that works, and nothing changes."""

import datetime as dt

import pytest

from core.errors import DomainError
from persons import services as person_services
from persons.models import Person
from supplies import services
from supplies.models import Location, Voucher
from supplies.services.common import location_pseudo


def test_the_record_the_ledger_names_is_kept(cast, depot, gift):
    named = Person.objects.create(name="李明", doc_number="431302199001011239", grid=cast.grid_a,
                                  unit_path=cast.grid_a.path)
    other = Person.objects.create(name="李明", doc_type="passport", doc_number="E7654321", grid=cast.grid_a,
                                  unit_path=cast.grid_a.path)
    gift(at=depot.store_a)
    services.distribution_post(source=depot.store_a, target=location_pseudo(cast.community_a, Location.Kind.CONSUMED),
                               lines=[(depot.n95, "5")], occurred_on=dt.date(2020, 2, 20), by=None, person=named)
    with pytest.raises(DomainError) as refused:
        person_services.person_merge(keep=other, drop=named, by=cast.street_officer)
    assert refused.value.code == "merge_ledger" and "#" in str(refused.value)
    assert Person.objects.filter(pk=named.pk).exists() and Voucher.objects.filter(person=named).exists()

    person_services.person_merge(keep=named, drop=other, by=cast.street_officer)
    assert not Person.objects.filter(pk=other.pk).exists()
