"""The checkpoints' cast on top of the shared one: an enterprise in community A with its gate, a liaison
stationed there, an eight-person shift team (颜某's), a gate thermometer; a second enterprise in community A
the liaison is not stationed at; a gate at community B's checkpoint."""

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Membership, User
from accounts.roles import Role
from checkpoints import services
from orgunits.models import Site
from persons.models import Person
from persons.tests.conftest import resident_id

TEAM = ["王建国", "颜某", "李志强", "刘洋", "陈磊", "杨帆", "赵军", "黄伟"]


def local(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


@pytest.fixture
def gates(cast):
    """Set up on 12 February 2020, the day the liaisons were stationed."""
    with time_machine.travel(local(2020, 2, 12, 8), tick=False):
        return _gates(cast)


def _gates(cast):
    enterprise = Site.objects.create(unit=cast.community_a, unit_path=cast.community_a.path,
                                     kind=Site.Kind.ENTERPRISE, name="涟钢振兴金华")
    other = Site.objects.create(unit=cast.community_a, unit_path=cast.community_a.path, kind=Site.Kind.ENTERPRISE,
                                name="三元建材厂")
    liaison = User.objects.create_user(username="kang", password="Test-password-2020", full_name="康双丰")
    Membership.objects.create(user=liaison, role=Role.LIAISON, unit=cast.street, unit_path=cast.street.path)
    services.station_assign(site=enterprise, user=liaison, start=local(2020, 2, 12, 8), by=cast.street_officer)
    gate = services.checkpoint_create(site=enterprise, name="厂区大门", by=cast.street_officer)
    other_gate = services.checkpoint_create(site=other, name="大门", by=cast.street_officer)
    gate_a = services.checkpoint_create(site=cast.site_a, name="东门", by=cast.community_a_worker)
    gate_b = services.checkpoint_create(site=cast.site_b, name="南门", by=cast.community_b_worker)
    team = services.team_create(site=enterprise, name="晚班一组", leader="王建国", by=liaison)
    members = []
    for i, name in enumerate(TEAM):
        person = Person.objects.create(name=name, doc_number=resident_id(seq=500 + i), grid=cast.grid_a,
                                       unit_path=cast.grid_a.path)
        members.append(services.team_member_add(team=team, person=person, badge=f"LG01{i:02d}",
                                                joined_at=local(2020, 2, 12, 8), by=liaison))
    device, key = services.device_register(checkpoint=gate, code="GATE-01", name="测温门", by=liaison)
    return SimpleNamespace(enterprise=enterprise, other=other, liaison=liaison, gate=gate, other_gate=other_gate,
                           gate_a=gate_a, gate_b=gate_b, team=team, members=members, device=device, key=key,
                           yan=members[1].person)
