"""Who is told about a report, through the notification outbox (core.notifications): a submitted report goes to
its reviewers, a returned or approved one back to the person who submitted it. Each message is written in its
recipient's language and links to the report."""

from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from accounts.roles import REPORTS_REVIEW, Role, role_grants
from core.fields import path_ancestors
from core.notifications import notify
from reports.models import Submission


def reviewers_of(submission: Submission) -> list[User]:
    """The accounts that review `submission`: those holding reports.review over the unit's parent, at the nearest
    level above the unit that has any (a street's report goes to its district's reviewers, not to every level up
    to the city; a whole-tree reviewer only when no level above has one)."""
    parent = submission.unit_path[: -len(submission.unit.code) - 1]
    if not parent:
        return []
    roles = [r for r in Role.values if role_grants(r, REPORTS_REVIEW)]
    memberships = list(Membership.objects.filter(role__in=roles, user__is_active=True)
                       .filter(Q(unit_path__in=path_ancestors(parent)) | Q(unit__isnull=True)).select_related("user"))
    if not memberships:
        return []
    nearest = max(len(m.unit_path or "") for m in memberships)
    return list({m.user_id: m.user for m in memberships if len(m.unit_path or "") == nearest}.values())


def _what(submission: Submission) -> dict:
    return {"form": submission.form.name, "unit": submission.unit.name,
            "day": formats.date_format(submission.day, "DATE_FORMAT")}


def _who(user) -> str:
    return (user.full_name or user.get_username()) if user is not None else ""


def _when(at) -> str:
    return formats.date_format(timezone.localtime(at), "SHORT_DATETIME_FORMAT")


def _url(submission: Submission) -> str:
    return reverse("reports:submission", args=[submission.pk])


def submitted_notify(submission: Submission) -> None:
    """Tell the reviewers a report waits for them."""
    notify(recipients=reviewers_of(submission), kind="report_submitted", url=_url(submission), about=submission,
           title=lambda: _("To review: %(form)s · %(unit)s · %(day)s") % _what(submission),
           body=lambda: _("Submitted by %(who)s at %(time)s.") % {"who": _who(submission.submitted_by),
                                                                   "time": _when(submission.submitted_at)})


def reviewed_notify(submission: Submission) -> None:
    """Tell the person who submitted a report that it was approved, or returned and why."""
    approved = submission.state == Submission.State.APPROVED
    who, when = _who(submission.reviewed_by), _when(submission.reviewed_at)
    if approved:
        title = lambda: _("Approved: %(form)s · %(unit)s · %(day)s") % _what(submission)  # noqa: E731
        body = lambda: _("Approved by %(who)s at %(time)s.") % {"who": who, "time": when}  # noqa: E731
    else:
        title = lambda: _("Returned: %(form)s · %(unit)s · %(day)s") % _what(submission)  # noqa: E731
        body = lambda: _("Returned by %(who)s at %(time)s: %(reason)s") % {  # noqa: E731
            "who": who, "time": when, "reason": submission.review_comment}
    notify(recipients=[submission.submitted_by], kind="report_approved" if approved else "report_returned",
           url=_url(submission), about=submission, title=title, body=body)
