"""A manager acts on an account only if its rank, over the unit of each role the account holds, is at least
that role's: every action of the account page, every service that changes an account, enumerated."""

import inspect

import pytest
from django.urls import get_resolver

from accounts import services, views
from accounts.models import ApiToken, Membership, User
from accounts.roles import Role
from core.errors import DomainError
from fangkong.api import api

# The account pages that act on an account other than the caller's, and those that act only on one's own.
ON_OTHERS = {"accounts:user_detail", "accounts:membership_revoke"}
OWN_OR_NONE = {"accounts:login", "accounts:logout", "accounts:password_change", "accounts:language_set",
               "accounts:profile", "accounts:token_revoke", "accounts:user_list", "accounts:user_create"}
# Services taking an account (or its membership or token) and an actor that only read.
READS_ONLY = {"user_viewed"}


@pytest.fixture
def street_officer_elsewhere(cast):
    """三元's grid worker, who also holds the street-officer role of 乐坪街道 (another street)."""
    services.membership_grant(user=cast.grid_a_worker, role=Role.STREET_OFFICER, unit=cast.other_street,
                              by=cast.city_admin)
    services.token_create(user=cast.grid_a_worker, name="script")
    return User.objects.get(pk=cast.grid_a_worker.pk)


def _state(user: User) -> tuple:
    user = User.objects.get(pk=user.pk)
    return (user.full_name, user.email, user.is_active, user.password, user.memberships.count(),
            ApiToken.objects.filter(user=user, revoked_at__isnull=True).count())


def _page_actions(cast, target):
    """(description, path, body) of every action the account pages take on `target`."""
    bodies = {
        "edit": {"full_name": "改名", "phone": "", "email": "changed@example.com", "is_active": ""},
        "grant": {"role": Role.GRID_WORKER, "unit_code": cast.community_a.code},
        "password": {"password": "Brand-new-pass-9"},
    }
    assert set(bodies) == set(views.USER_DETAIL_ACTIONS), "a new action of the account page: add it here"
    for action, body in bodies.items():
        yield action, f"/accounts/users/{target.pk}/", {"action": action, **body}
    membership = Membership.objects.get(user=target, unit=cast.grid_a)
    yield "revoke a role", f"/accounts/memberships/{membership.pk}/revoke/", {}


def test_every_account_page_is_classified():
    names = {f"accounts:{p.name}" for p in get_resolver().url_patterns[1].url_patterns if p.name}
    assert names == ON_OTHERS | OWN_OR_NONE, "a new account page: say whether it acts on other accounts"
    account_operations = [path for path in api.get_openapi_schema()["paths"]
                          if any(word in path for word in ("/users", "/memberships", "/tokens"))]
    assert account_operations == [], "an API operation on accounts: guard it with services.check_outranks"


def test_a_community_worker_cannot_act_on_a_street_officer_of_another_street(cast, client_for,
                                                                            street_officer_elsewhere):
    """三元's community worker sees the account (its grid-worker role is in 三元) but can change nothing."""
    client = client_for(cast.community_a_worker)
    before = _state(street_officer_elsewhere)
    for action, path, body in _page_actions(cast, street_officer_elsewhere):
        response = client.post(path, body)
        assert response.status_code == 403, action
        assert "outside your reach" in response.content.decode() or "超出" in response.content.decode(), action
        assert _state(street_officer_elsewhere) == before, action
    page = client.get(f"/accounts/users/{street_officer_elsewhere.pk}/").content.decode()
    assert 'name="action" value="edit"' not in page


def test_the_city_administrator_can_act_on_them(cast, client_for, street_officer_elsewhere):
    client = client_for(cast.city_admin)
    for action, path, body in _page_actions(cast, street_officer_elsewhere):
        before = _state(street_officer_elsewhere)
        response = client.post(path, body)
        assert response.status_code == 302, (action, response.content.decode()[:500])
        assert _state(street_officer_elsewhere) != before, action


def test_an_equal_rank_over_every_role_is_enough(cast, client_for):
    colleague = services.user_create(username="colleague", password="Another-pass-2020", full_name="同事",
                                     role=Role.COMMUNITY_WORKER, unit=cast.community_a, by=cast.street_officer)
    response = client_for(cast.community_a_worker).post(
        f"/accounts/users/{colleague.pk}/", {"action": "edit", "full_name": "同事甲", "is_active": "on"})
    assert response.status_code == 302 and User.objects.get(pk=colleague.pk).full_name == "同事甲"


def _service_calls(cast, target):
    """Each service of accounts that changes an account, called on `target`."""
    membership = Membership.objects.get(user=target, unit=cast.grid_a)
    token = ApiToken.objects.filter(user=target).first()
    calls = {
        "user_update": lambda by: services.user_update(user=target, data={"full_name": "改名"}, by=by),
        "user_set_password": lambda by: services.user_set_password(user=target, password="Brand-new-pass-9", by=by),
        "user_password_changed": lambda by: services.user_password_changed(user=target, by=by),
        "membership_grant": lambda by: services.membership_grant(user=target, role=Role.GRID_WORKER,
                                                                 unit=cast.community_a, by=by),
        "membership_revoke": lambda by: services.membership_revoke(membership=membership, by=by),
        "token_revoke": lambda by: services.token_revoke(token=token, by=by),
    }
    acting = {name for name, fn in inspect.getmembers(services, inspect.isfunction)
              if fn.__module__ == services.__name__ and not name.startswith("_")
              and "by" in inspect.signature(fn).parameters
              and {"user", "membership", "token"} & set(inspect.signature(fn).parameters)}
    assert acting - READS_ONLY == set(calls), "a new service acting on an account: add it here"
    return calls


def test_every_service_acting_on_an_account_refuses_a_lower_rank(cast, street_officer_elsewhere):
    before = _state(street_officer_elsewhere)
    for name, call in _service_calls(cast, street_officer_elsewhere).items():
        with pytest.raises(DomainError) as exc:
            call(cast.community_a_worker)
        assert (exc.value.code, exc.value.status) == ("outranked", 403), name
    assert _state(street_officer_elsewhere) == before
    for name, call in _service_calls(cast, street_officer_elsewhere).items():
        call(cast.city_admin)  # allowed
        assert name
