"""The shared cast of the test suite: a small real tree and one user per boundary worth testing.

湖南省 > 娄底市 > 娄星区 > 长青街道 > 三元社区 (community A, grid A1) and 月塘社区 (community B, grid B1);
another street 乐坪街道 with its own officer. Each test gets them fresh (function scope).
"""

from types import SimpleNamespace

import pytest
from hypothesis import settings as hypothesis_settings

from fangkong.testing import HYPOTHESIS_PROFILE

pytest_plugins = ["fangkong.browser"]

hypothesis_settings.load_profile(HYPOTHESIS_PROFILE)  # derandomised: see fangkong/testing.py


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # uploaded and generated files never land in var/media
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Pages render without `collectstatic` (the manifest is built for production and the browser tests).
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    # What a process keeps in its own memory (a replica's verdict read a moment ago) never outlives a test, as the
    # database's rows do not.
    from django.core.cache import caches

    caches["process"].clear()


def _unit(code, name, kind, parent=None, source="official"):
    from core.fields import SEPARATOR
    from orgunits.models import OrgUnit

    return OrgUnit.objects.create(code=code, name=name, kind=kind, parent=parent, source=source,
                                  path=(parent.path if parent else "") + code + SEPARATOR,
                                  depth=(parent.depth + 1) if parent else 1)


def _user(username, role, unit, full_name=""):
    from accounts.models import Membership, User

    user = User.objects.create_user(username=username, password="Test-password-2020", full_name=full_name)
    Membership.objects.create(user=user, role=role, unit=unit, unit_path=unit.path if unit else "")
    return user


@pytest.fixture
def cast(db):
    """The tree and the users: city_admin, street_officer, community_a (worker), grid_a, command_a,
    community_b (worker, the outsider), other_street_officer; plus a site in each community."""
    from accounts.roles import Role
    from orgunits.models import OrgUnit, Site

    province = _unit("430000", "湖南省", OrgUnit.Kind.PROVINCE)
    city = _unit("431300", "娄底市", OrgUnit.Kind.PREFECTURE, province)
    county = _unit("431302", "娄星区", OrgUnit.Kind.COUNTY, city)
    street = _unit("431302004", "长青街道", OrgUnit.Kind.TOWNSHIP, county)
    other_street = _unit("431302001", "乐坪街道", OrgUnit.Kind.TOWNSHIP, county)
    community_a = _unit("431302004001", "三元社区", OrgUnit.Kind.COMMUNITY, street, "local")
    grid_a = _unit("431302004001-01", "三元社区第一网格", OrgUnit.Kind.GRID, community_a, "local")
    community_b = _unit("431302004003", "月塘社区", OrgUnit.Kind.COMMUNITY, street, "local")
    grid_b = _unit("431302004003-01", "月塘社区第一网格", OrgUnit.Kind.GRID, community_b, "local")
    site_a = Site.objects.create(unit=community_a, unit_path=community_a.path, kind=Site.Kind.CHECKPOINT,
                                 name="三元社区东门卡点")
    site_b = Site.objects.create(unit=community_b, unit_path=community_b.path, kind=Site.Kind.CHECKPOINT,
                                 name="月塘社区南门卡点")
    return SimpleNamespace(
        province=province, city=city, county=county, street=street, other_street=other_street,
        community_a=community_a, grid_a=grid_a, community_b=community_b, grid_b=grid_b,
        site_a=site_a, site_b=site_b,
        city_admin=_user("city_admin", Role.ADMIN, city, "市管理员"),
        street_officer=_user("street_officer", Role.STREET_OFFICER, street, "贺英"),
        community_a_worker=_user("community_a", Role.COMMUNITY_WORKER, community_a, "三元干部"),
        grid_a_worker=_user("grid_a", Role.GRID_WORKER, grid_a, "三元网格员"),
        command_a=_user("command_a", Role.COMMAND, community_a, "三元指挥"),
        community_b_worker=_user("community_b", Role.COMMUNITY_WORKER, community_b, "月塘干部"),
        other_street_officer=_user("other_officer", Role.STREET_OFFICER, other_street, "乐坪信息员"),
    )


@pytest.fixture
def client_for(client):
    """client_for(user): a test client signed in as `user`."""
    from django.test import Client

    def make(user):
        c = Client()
        c.force_login(user)
        return c

    return make
