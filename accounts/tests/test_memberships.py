"""A user's memberships, read on nearly every request (accounts.access.memberships_of) — with the signed-in user in
one statement (access.user_with_memberships, which the authentication backend calls), or by a statement of their own
for a user read otherwise — are the memberships the ORM reads: the same rows in the same order, each with its unit, or
none for a whole-tree role, and the timestamps left out are still there when asked for."""

import pytest

from accounts import access
from accounts.backends import UserBackend
from accounts.models import Membership, User
from accounts.roles import PERSONS_VIEW, Role


def _fresh(user) -> User:
    return User.objects.get(pk=user.pk)  # nothing kept from an earlier read


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_memberships_are_those_the_orm_reads(cast, django_assert_num_queries, signed_in):
    officer = cast.street_officer
    Membership.objects.create(user=officer, role=Role.COMMUNITY_WORKER, unit=cast.community_b,
                              unit_path=cast.community_b.path)
    Membership.objects.create(user=officer, role=Role.ADMIN, unit=None, unit_path="")
    Membership.objects.create(user=officer, role=Role.COMMAND, unit=cast.community_a, unit_path=cast.community_a.path)
    expected = list(Membership.objects.filter(user=officer).select_related("unit"))
    with django_assert_num_queries(1):
        user = UserBackend().get_user(officer.pk) if signed_in else _fresh(officer)
    with django_assert_num_queries(0 if signed_in else 1):
        read = access.memberships_of(user)
        assert access.memberships_of(user) is read  # kept for the request
        shown = [(m.pk, m.role, m.unit_path, m.unit_id, m.unit and (m.unit.code, m.unit.name, m.unit.path,
                                                                      m.unit.kind, m.unit.depth, m.unit.parent_id))
                 for m in read]
    assert shown == [(m.pk, m.role, m.unit_path, m.unit_id, m.unit and (m.unit.code, m.unit.name, m.unit.path,
                                                                          m.unit.kind, m.unit.depth, m.unit.parent_id))
                     for m in expected]
    assert [m.unit is None for m in read] == [m.role == Role.ADMIN for m in read]
    assert read[1].created_at == expected[1].created_at  # deferred: read when asked for
    assert read[1].unit.created_at == expected[1].unit.created_at


def test_a_user_without_memberships_or_signed_out_has_none(cast, django_assert_num_queries):
    loner = User.objects.create_user("loner", password="x-Loner-2020")
    assert access.memberships_of(_fresh(loner)) == []
    with django_assert_num_queries(1):
        signed_in = UserBackend().get_user(loner.pk)
        assert signed_in == loner and access.memberships_of(signed_in) == []
    inactive = _fresh(cast.grid_a_worker)
    inactive.is_active = False
    assert access.memberships_of(inactive) == []
    assert access.scope_for(_fresh(cast.grid_a_worker), PERSONS_VIEW).covers(cast.grid_a.path)
