"""Managing users and memberships: within the manager's subtree, never above the manager's own role."""

import pytest

from accounts import access, services
from accounts.models import Membership, User
from accounts.roles import ORGUNITS_VIEW, Role
from core.errors import DomainError
from core.models import AuditEntry


def test_scope_is_the_union_of_subtrees(cast):
    services.membership_grant(user=cast.grid_a_worker, role=Role.GRID_WORKER, unit=cast.grid_b, by=cast.street_officer)
    user = User.objects.get(pk=cast.grid_a_worker.pk)
    scope = access.scope_for(user, ORGUNITS_VIEW)
    assert set(scope.paths) == {cast.grid_a.path, cast.grid_b.path}
    assert scope.covers(cast.grid_b.path) and not scope.covers(cast.community_b.path)


def test_street_officer_creates_a_grid_worker_in_its_street(cast):
    user = services.user_create(username="newgrid", password="Another-pass-2020", full_name="新网格员",
                                role=Role.GRID_WORKER, unit=cast.grid_b, by=cast.street_officer)
    assert user.memberships.get().unit == cast.grid_b
    assert AuditEntry.objects.filter(object_type="accounts.membership", action="create").exists()
    assert not any("password" in (e.after or {}) for e in AuditEntry.objects.all())


def test_cannot_grant_outside_own_subtree(cast):
    with pytest.raises(DomainError) as exc:
        services.membership_grant(user=cast.grid_a_worker, role=Role.GRID_WORKER, unit=cast.other_street,
                                  by=cast.street_officer)
    assert exc.value.code == "forbidden_grant"


def test_cannot_grant_a_role_above_own(cast):
    with pytest.raises(DomainError) as exc:
        services.membership_grant(user=cast.grid_a_worker, role=Role.COMMAND, unit=cast.street, by=cast.street_officer)
    assert exc.value.code == "forbidden_grant"
    with pytest.raises(DomainError):
        services.membership_grant(user=cast.grid_a_worker, role=Role.STREET_OFFICER, unit=cast.community_a,
                                  by=cast.community_a_worker)
    services.membership_grant(user=cast.grid_a_worker, role=Role.COMMUNITY_WORKER, unit=cast.community_a,
                              by=cast.community_a_worker)


def test_weak_passwords_and_taken_names_are_refused(cast):
    with pytest.raises(DomainError) as exc:
        services.user_create(username="GRID_A", password="12345", role=Role.GRID_WORKER, unit=cast.grid_a,
                             by=cast.street_officer)
    assert set(exc.value.fields) == {"username", "password"}


def test_user_list_shows_only_users_in_scope(cast, client_for):
    page = client_for(cast.community_a_worker).get("/accounts/users/").content.decode()
    assert "grid_a" in page and "community_b" not in page and "other_officer" not in page
    assert client_for(cast.grid_a_worker).get("/accounts/users/").status_code == 403


def test_user_create_page_refuses_a_unit_outside_scope(cast, client_for):
    client = client_for(cast.community_a_worker)
    response = client.post("/accounts/users/new/", {"username": "x1", "password": "Another-pass-2020",
                                                    "role": "grid_worker", "unit_code": cast.grid_b.code})
    assert response.status_code == 200 and not User.objects.filter(username="x1").exists()
    response = client.post("/accounts/users/new/", {"username": "x2", "password": "Another-pass-2020",
                                                    "role": "grid_worker", "unit_code": cast.grid_a.code})
    assert response.status_code == 302 and User.objects.get(username="x2").memberships.get().unit == cast.grid_a


def test_role_choices_stop_at_own_rank(cast, client_for):
    page = client_for(cast.community_a_worker).get("/accounts/users/new/").content.decode()
    assert 'value="grid_worker"' in page and 'value="street_officer"' not in page


def test_revoke_and_grant_through_pages(cast, client_for):
    client = client_for(cast.street_officer)
    response = client.post(f"/accounts/users/{cast.grid_a_worker.pk}/",
                           {"action": "grant", "role": "grid_worker", "unit_code": cast.grid_b.code})
    assert response.status_code == 302
    membership = Membership.objects.get(user=cast.grid_a_worker, unit=cast.grid_b)
    assert client.post(f"/accounts/memberships/{membership.pk}/revoke/").status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert AuditEntry.objects.filter(object_type="accounts.membership", action="delete").exists()


def test_password_reset_needs_rank_over_every_role(cast, client_for):
    services.membership_grant(user=cast.grid_a_worker, role=Role.GRID_WORKER, unit=cast.other_street,
                              by=cast.city_admin)
    response = client_for(cast.street_officer).post(f"/accounts/users/{cast.grid_a_worker.pk}/",
                                                    {"action": "password", "password": "Brand-new-pass-9"})
    assert response.status_code == 403
    cast.grid_a_worker.refresh_from_db()
    assert cast.grid_a_worker.check_password("Test-password-2020")


def test_deactivated_user_has_no_scope(cast, client_for):
    services.user_update(user=cast.grid_a_worker, data={"is_active": False}, by=cast.street_officer)
    cast.grid_a_worker.refresh_from_db()
    assert access.scope_for(cast.grid_a_worker, ORGUNITS_VIEW).empty
