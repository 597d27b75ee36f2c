"""Who is on duty for a site, and telling them: the fever alerts and the emergency plans both call them."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from accounts.roles import Role
from checkpoints.models import Station
from core.fields import path_ancestors
from core.notifications import notify

# Who is on duty for a site besides the liaisons stationed there: the community and street officers of the
# units above it (the 社区/街道 duty officers).
DUTY_ROLES = (Role.COMMUNITY_WORKER, Role.STREET_OFFICER)


def duty_users(site_id: int, unit_path: str) -> list[User]:
    """The liaisons stationed at the site now, and the community and street officers above it."""
    now = timezone.now()
    stationed = Station.objects.filter(site_id=site_id, start__lte=now).filter(Q(end__isnull=True) | Q(end__gt=now))
    officers = Membership.objects.filter(unit_path__in=path_ancestors(unit_path), role__in=DUTY_ROLES)
    return list(User.objects.filter(Q(pk__in=stationed.values("user_id")) | Q(pk__in=officers.values("user_id")),
                                    is_active=True))


def duty_notify(users: list[User], *, kind: str, title: tuple[str, dict], body: tuple[str, dict], url: str) -> None:
    """Queue a message in the notification outbox (core.notifications), each recipient in their own language;
    `title` and `body` are (message id, parameters)."""
    notify(recipients=users, kind=kind, title=lambda: _(title[0]) % title[1], body=lambda: _(body[0]) % body[1],
           url=url)
