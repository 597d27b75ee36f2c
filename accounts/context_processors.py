"""Navigation by role: each entry is shown only to users holding its permission somewhere."""

from functools import lru_cache
from typing import Any

from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext_lazy as _

from accounts.access import has_perm
from accounts.roles import (
    AUDIT_VIEW,
    CHECKPOINTS_VIEW,
    FIELDS_MANAGE,
    LEGAL_CALLS,
    ORGUNITS_VIEW,
    PERSONS_EDIT,
    PERSONS_MERGE,
    PERSONS_VIEW,
    REPORTS_VIEW,
    SUPPLIES_VIEW,
    TRACING_VIEW,
    USERS_MANAGE,
)

NAVIGATION = [
    ("home", _("Home"), None),
    ("persons:today", _("Today"), PERSONS_EDIT),
    ("persons:list", _("People"), PERSONS_VIEW),
    ("tracing:my_tasks", _("My tasks"), TRACING_VIEW),
    ("tracing:follow_ups", _("Follow-up"), TRACING_VIEW),
    ("tracing:case_list", _("Cases"), TRACING_VIEW),
    ("checkpoints:index", _("Checkpoints"), CHECKPOINTS_VIEW),
    ("reports:today", _("Reports"), REPORTS_VIEW),
    ("supplies:home", _("Supplies"), SUPPLIES_VIEW),
    ("volunteers:home", _("Front-line teams"), None),  # volunteers and coordinators hold no role
    ("legal:knowledge", _("Legal Q&A"), None),
    ("legal:calls", _("Hotline"), LEGAL_CALLS),
    ("persons:duplicates", _("Duplicates"), PERSONS_MERGE),
    ("persons:fields", _("Fields"), FIELDS_MANAGE),
    ("orgunits:tree", _("Units"), ORGUNITS_VIEW),
    ("accounts:user_list", _("Users"), USERS_MANAGE),
    ("audit:list", _("Audit log"), AUDIT_VIEW),
]


# On a phone the menu shows the first PHONE_PRIMARY of these that the user has (what the role uses most, in
# this order of preference); the rest fold under "more" (templates/base.html).
PHONE_FIRST = ["persons:today", "persons:list", "tracing:my_tasks", "reports:today", "checkpoints:index",
               "supplies:home", "legal:calls", "audit:list", "orgunits:tree", "home"]
PHONE_PRIMARY = 4


@lru_cache(maxsize=len(NAVIGATION) * 4)
def _url(name: str, prefix: str) -> str:
    """The menu entry's address: the same in every process for a deployment's prefix (the URLconf is code), so
    reversed once per process rather than on every page."""
    return reverse(name)


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items: list[dict[str, Any]] = [{"url": _url(name, get_script_prefix()), "label": label, "name": name}
             for name, label, perm in NAVIGATION if perm is None or has_perm(user, perm)]
    held = {item["name"] for item in items}
    primary = [name for name in PHONE_FIRST if name in held][:PHONE_PRIMARY]
    for item in items:
        item["primary"] = item["name"] in primary
    return {"nav_items": items}
