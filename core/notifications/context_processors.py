"""The in-page notification badge: the number of the user's unread notifications, on every page."""

from core.notifications.selectors import unread_count


def badge(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notifications_unread": unread_count(user)}
