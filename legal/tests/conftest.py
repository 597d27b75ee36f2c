"""A lawyer on the city's hotline, and one of community B only."""

import pytest

from accounts.models import Membership
from accounts.roles import Role


@pytest.fixture
def lawyer(cast):
    from accounts.models import User

    user = User.objects.create_user(username="lawyer", password="x", full_name="值班律师")
    Membership.objects.create(user=user, role=Role.LAWYER, unit=cast.city, unit_path=cast.city.path)
    return user


@pytest.fixture
def lawyer_b(cast):
    from accounts.models import User

    user = User.objects.create_user(username="lawyer_b", password="x", full_name="月塘律师")
    Membership.objects.create(user=user, role=Role.LAWYER, unit=cast.community_b, unit_path=cast.community_b.path)
    return user
