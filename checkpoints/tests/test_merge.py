"""Merging two records of the same person who has checkpoint rows (a shift-team membership, passages and
readings at the gate): they move to the record kept, as every other app's rows do."""

import time_machine

from checkpoints import services
from checkpoints.models import Passage, Reading, TeamMember
from checkpoints.tests.conftest import local
from persons import services as person_services
from persons.models import Person


def test_merging_moves_team_membership_and_gate_records(cast, gates):
    worker = gates.yan
    twin = Person.objects.create(name=worker.name, doc_type="passport", doc_number="E1234567", grid=cast.grid_a,
                                 unit_path=cast.grid_a.path)
    with time_machine.travel(local(2020, 2, 13, 7, 50), tick=False):
        services.passage_record(checkpoint=gates.gate, direction="in", code=gates.members[1].badge,
                                temperature="36.5", by=gates.liaison)
    assert Passage.objects.filter(person=worker).exists() and Reading.objects.filter(person=worker).exists()

    person_services.person_merge(keep=twin, drop=worker, by=cast.street_officer)

    assert not Person.objects.filter(pk=worker.pk).exists()
    assert TeamMember.objects.filter(person=twin, team=gates.team).exists()
    assert Passage.objects.filter(person=twin).count() == 1 and Reading.objects.filter(person=twin).count() == 1
