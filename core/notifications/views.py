"""The user's notifications: the list the badge opens, opening one (marks it read), marking all read."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.notifications import selectors, services


@login_required
def notification_list(request):
    return render(request, "core/notifications.html", {"items": selectors.notifications_for_user(request.user)})


@login_required
@require_POST
def notification_read(request, pk: int):
    notification = selectors.notification_get_for_user(request.user, pk)
    services.notification_read(notification=notification, by=request.user)
    if notification.url and url_has_allowed_host_and_scheme(notification.url, allowed_hosts={request.get_host()}):
        return redirect(notification.url)
    return redirect("notifications:list")


@login_required
@require_POST
def notifications_read_all(request):
    services.notifications_read_all(by=request.user)
    return redirect("notifications:list")
