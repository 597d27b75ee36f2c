"""Demo users, one or more for every role, all with the same demo password."""

from django.utils.functional import Promise

from accounts.models import Membership, User
from accounts.roles import Role
from accounts.services import membership_grant, user_create
from orgunits.demo import DEMO_CITY, DEMO_STREET, grid_code
from orgunits.models import OrgUnit

DEMO_PASSWORD = "Fangkong-demo-2020"

# (username, full name, role, unit code)
DEMO_USERS = [
    ("admin", "系统管理员", Role.ADMIN, DEMO_CITY),
    ("command", "市指挥部值班员", Role.COMMAND, DEMO_CITY),
    ("louxing", "娄星区指挥部值班员", Role.COMMAND, "431302"),
    ("heying", "贺英", Role.STREET_OFFICER, DEMO_STREET),
    ("sanyuan", "三元社区干部", Role.COMMUNITY_WORKER, DEMO_STREET + "001"),
    ("grid1", "三元社区网格员", Role.GRID_WORKER, grid_code(DEMO_STREET + "001", 1)),
    ("yuetang", "月塘社区网格员", Role.GRID_WORKER, grid_code(DEMO_STREET + "003", 1)),
    ("kangshuangfeng", "康双丰", Role.LIAISON, DEMO_STREET),
    ("auditor", "审计局审计员", Role.AUDITOR, DEMO_CITY),
    ("lawyer", "12348值班律师", Role.LAWYER, DEMO_CITY),
]


def demo_users() -> list[tuple[str, str, str | Promise]]:
    """Create the demo users if missing (existing accounts and passwords are left alone)."""
    created = []
    for username, full_name, role, code in DEMO_USERS:
        unit = OrgUnit.objects.get(code=code)
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(username=username, password=DEMO_PASSWORD, full_name=full_name, role=role,
                               unit=unit, by=None)
            created.append(username)
        elif not Membership.objects.filter(user=user, role=role, unit=unit).exists():
            membership_grant(user=user, role=role, unit=unit, by=None)
    return [(u, n, Role(r).label) for u, n, r, _c in DEMO_USERS]
