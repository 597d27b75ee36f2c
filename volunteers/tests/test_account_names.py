"""The accounts named on a civilised unit's roster (a person's login) or as its coordinator are looked up among
those its manager may name: accounts of their own units, and logins that belong to no other civilised unit. Any
other account answers as one that does not exist, repeating only the user name typed."""

import pytest
from django.contrib.messages import get_messages

from accounts.models import User
from volunteers import services


@pytest.fixture
def steel(cast, teams):
    """A civilised unit registered in 三元社区, managed by 三元's command centre (the office of community A)."""
    return services.org_create(code="sanyuan-steel", name="三元钢厂", level="city", unit=cast.community_a, by=None)


def _said(response, typed: str) -> list[str]:
    return [str(m).replace(typed, "<typed>") for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("action", ["people", "coordinators"])
def test_an_account_outside_the_managers_reach_answers_as_an_unknown_one(cast, teams, steel, client_for, action):
    client = client_for(cast.command_a)
    url = f"/volunteers/units/{steel.pk}/{action}/"
    answers = {}
    # 月塘's worker (another community), 何芳 (the audit bureau's person), 司法局's coordinator, and nobody.
    for typed in ("community_b", "hefang", "sifaju", "nobody_here"):
        response = client.post(url, {"name": "聂子远", "kind": "staff", "username": typed})
        page = client.get(f"/volunteers/units/{steel.pk}/").content.decode()
        assert response.status_code == 302 and "月塘干部" not in page and "何芳" not in page
        answers[typed] = _said(response, typed)
    assert len({tuple(a) for a in answers.values()}) == 1, answers
    assert not steel.people.exclude(user=None).exists() and not steel.coordinators.exists()


@pytest.mark.parametrize("action", ["people", "coordinators"])
def test_the_manager_names_accounts_of_their_units_and_free_logins(cast, teams, steel, client_for, action):
    User.objects.create_user(username="niezy", password="Test-password-2020", full_name="聂子远")
    client = client_for(cast.command_a)
    for typed in ("grid_a", "niezy"):
        response = client.post(f"/volunteers/units/{steel.pk}/{action}/", {"name": typed, "username": typed,
                                                                           "kind": "staff"})
        assert response.status_code == 302
    linked = (set(steel.people.values_list("user__username", flat=True)) if action == "people"
              else set(steel.coordinators.values_list("username", flat=True)))
    assert linked == {"grid_a", "niezy"}
