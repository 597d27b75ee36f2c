"""The offline app's pages: the app shell the service worker keeps, its manifest and the service worker."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def app(request):
    return HttpResponse("")
