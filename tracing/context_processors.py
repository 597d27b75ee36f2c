"""The in-page notification badge: the number of the user's unread notifications, on every page."""

from tracing.selectors import unread_count


def badge(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"tracing_unread": unread_count(user)}
