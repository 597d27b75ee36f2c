"""The front-line teams' cast on top of the shared one: the civilisation office (a command-centre user of the
city), the audit bureau (a national civilised unit registered with the city) with its coordinator and ten
people — 何芳 (who has a login) first — the justice bureau with its own coordinator and one person, the
steel company in community A, and the need posted at 三元社区's checkpoint for 1 February 2020."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.models import Membership, User
from accounts.roles import Role
from orgunits.models import Site
from volunteers import services

AUDIT = ["何芳", "王洪军", "李卫东", "刘红梅", "陈志刚", "张丽", "谢文斌", "曾庆华", "康双丰", "周里"]


def local(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


@pytest.fixture
def teams(cast):
    office = User.objects.create_user(username="wenmingban", password="Test-password-2020", full_name="市文明办")
    Membership.objects.create(user=office, role=Role.COMMAND, unit=cast.city, unit_path=cast.city.path)
    audit = services.org_create(code="audit", name="娄底市审计局", level="national", unit=cast.city, by=office)
    justice = services.org_create(code="justice", name="娄底市司法局", level="provincial", unit=cast.city, by=office)
    audit_coordinator = User.objects.create_user(username="shenjiju", password="Test-password-2020")
    justice_coordinator = User.objects.create_user(username="sifaju", password="Test-password-2020")
    services.coordinator_add(org=audit, user=audit_coordinator, by=office)
    services.coordinator_add(org=justice, user=justice_coordinator, by=office)
    hefang_user = User.objects.create_user(username="hefang", password="Test-password-2020", full_name="何芳")
    people = [services.volunteer_add(org=audit, name=name, kind="cadre" if i in (1, 8, 9) else "staff",
                                     party_member=True, user=hefang_user if i == 0 else None, by=audit_coordinator)
              for i, name in enumerate(AUDIT)]
    lawyer = services.volunteer_add(org=justice, name="罗平", by=justice_coordinator)
    steel = Site.objects.create(unit=cast.community_a, unit_path=cast.community_a.path, kind=Site.Kind.ENTERPRISE,
                                name="娄底市涟钢振兴金华建设有限公司")
    duty = services.need_post(site=cast.site_a, post="checkpoint", title="小区出入口值守", people=10,
                              slots=[(local(2020, 2, 1, 8), local(2020, 2, 1, 18))], by=cast.community_a_worker)
    return SimpleNamespace(office=office, audit=audit, justice=justice, audit_coordinator=audit_coordinator,
                           justice_coordinator=justice_coordinator, hefang_user=hefang_user, people=people,
                           hefang=people[0], lawyer=lawyer, steel=steel, duty=duty, slot=duty.slots.get())
