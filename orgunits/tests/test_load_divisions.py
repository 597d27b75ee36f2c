"""load_divisions: the official tree, skipped levels, idempotence, renames and moves."""

import pytest
from django.core.management import CommandError, call_command

from core.models import AuditEntry
from orgunits import services
from orgunits.models import OrgUnit

pytestmark = pytest.mark.django_db


def test_loudi_has_five_counties_and_87_townships():
    call_command("load_divisions", "431300")
    city = OrgUnit.objects.get(code="431300")
    assert city.name == "娄底市" and city.parent.code == "430000"
    counties = {u.name: u for u in OrgUnit.objects.filter(parent=city)}
    assert set(counties) == {"娄星区", "双峰县", "新化县", "冷水江市", "涟源市"}
    per_county = {name: OrgUnit.objects.filter(parent=u).count() for name, u in counties.items()}
    assert per_county == {"娄星区": 13, "双峰县": 16, "新化县": 28, "冷水江市": 10, "涟源市": 20}
    assert OrgUnit.objects.filter(path__under=city.path, kind=OrgUnit.Kind.TOWNSHIP).count() == 87
    changqing = OrgUnit.objects.get(code="431302004")
    assert changqing.name == "长青街道" and changqing.parent.name == "娄星区"
    assert changqing.path == "430000/431300/431302/431302004/"
    assert changqing.kind == OrgUnit.Kind.TOWNSHIP and changqing.depth == 4


def test_rerun_adds_nothing_and_restores_names():
    call_command("load_divisions", "431300")
    count = OrgUnit.objects.count()
    OrgUnit.objects.filter(code="431302004").update(name="旧名")
    result = services.divisions_load(root_code="431300")
    assert (result.created, result.updated) == (0, 1)
    assert OrgUnit.objects.count() == count
    assert OrgUnit.objects.get(code="431302004").name == "长青街道"
    assert services.divisions_load(root_code="431300").unchanged == count


def test_township_directly_under_a_prefecture():
    services.divisions_load(root_code="441900")  # 东莞市: no county level
    dongcheng = OrgUnit.objects.get(code="441900003")
    assert dongcheng.parent.code == "441900" and dongcheng.kind == OrgUnit.Kind.TOWNSHIP
    assert dongcheng.path == "440000/441900/441900003/"


def test_county_level_city_directly_under_a_province():
    services.divisions_load(root_code="429004")  # 仙桃市, directly under 湖北省
    xiantao = OrgUnit.objects.get(code="429004")
    assert xiantao.kind == OrgUnit.Kind.COUNTY and xiantao.parent.code == "420000"
    assert xiantao.path == "420000/429004/"
    assert OrgUnit.objects.filter(parent=xiantao, kind=OrgUnit.Kind.TOWNSHIP).exists()


def test_unknown_code_is_a_clear_error():
    with pytest.raises(CommandError, match="999999"):
        call_command("load_divisions", "999999")


def test_a_moved_division_carries_its_local_subtree(monkeypatch):
    services.divisions_load(root_code="431302")
    street = OrgUnit.objects.get(code="431302004")
    community = services.unit_create(parent=street, code="431302004001", name="三元社区",
                                     kind=OrgUnit.Kind.COMMUNITY, by=None)
    services.site_create(unit=community, kind="checkpoint", name="东门卡点", by=None)
    metadata, rows = services.divisions_source()
    moved = [[r[0], r[1], "431321" if r[1] == "431302004" else r[2], r[3]] for r in rows]  # to 双峰县
    monkeypatch.setattr(services, "divisions_source", lambda: (metadata, moved))
    services.divisions_load(root_code="431300")
    community.refresh_from_db()
    assert community.path == "430000/431300/431321/431302004/431302004001/"
    assert community.sites.get().unit_path == community.path
    assert AuditEntry.objects.filter(object_type="orgunits.divisions").exists()


def test_whole_country_load_counts():
    metadata, _rows = services.divisions_source()
    result = services.divisions_load()
    assert result.created == sum(metadata["counts"].values())
    assert OrgUnit.objects.filter(kind=OrgUnit.Kind.TOWNSHIP).count() == metadata["counts"]["4"]
