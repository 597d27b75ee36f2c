"""Navigation by role: each entry is shown only to users holding its permission somewhere."""

from functools import lru_cache

from django.urls import get_script_prefix, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
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
    """`nav`: the menu of the user's roles, the current page's entry marked (templates/base.html)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": ""}
    held = tuple(name for name, _label, perm in NAVIGATION if perm is None or has_perm(user, perm))
    match = getattr(request, "resolver_match", None)
    return {"nav": _menu(held, match.view_name if match else "", get_language(), get_script_prefix())}


@lru_cache(maxsize=1024)
def _menu(held: tuple[str, ...], active: str, language: str, prefix: str) -> SafeString:
    """The menu's HTML for the entries `held` with `active` marked, in `language`: the same for every user of the
    same roles on the same page, so written once per process rather than by the template on every page."""
    labels = {name: label for name, label, _perm in NAVIGATION}
    primary = [name for name in PHONE_FIRST if name in held][:PHONE_PRIMARY]
    first = format_html_join("", '<a href="{}"{}>{}</a>', (
        (_url(name, prefix), mark_safe(' class="active"') if name == active else "", labels[name])
        for name in held if name in primary))
    folded = format_html_join("", '<a class="folded{}" href="{}">{}</a>', (
        (" active" if name == active else "", _url(name, prefix), labels[name])
        for name in held if name not in primary))
    return format_html('<nav class="main" aria-label="{}">\n    {}\n    <details class="more"><summary>{}</summary>'
                       "</details>\n    {}\n  </nav>", _("Main navigation"), first, _("More"), folded)
