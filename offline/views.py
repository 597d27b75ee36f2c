"""The offline app's pages: the app shell the service worker keeps, its manifest, icons and the service worker."""

import hashlib
import json
from functools import lru_cache

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template, render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts import access
from accounts.roles import PERSONS_EDIT
from offline.icons import icon_png
from offline.strings import app_strings

# The shell's static files, kept by the service worker (their content decides the cache's version).
SHELL_STATIC = ["core/fangkong.css", "offline/offline.css", "offline/store.js", "offline/base.js", "offline/screens.js",
                "offline/forms.js", "offline/app.js", "offline/icon.svg"]
ICON_SIZES = (192, 512)
THEME_COLOUR = "#b3261e"


@login_required
@require_GET
def app(request):
    """The app shell: the page the phone keeps; everything it shows comes from the device's own store."""
    access.require(request.user, PERSONS_EDIT)
    return render(request, "offline/app.html", {"strings": app_strings(), "theme": THEME_COLOUR})


@require_GET
def manifest(request):
    """The web app manifest (public: browsers fetch it without the session)."""
    icons = [{"src": static("offline/icon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"}]
    icons += [{"src": reverse(f"offline:icon_{size}"), "sizes": f"{size}x{size}", "type": "image/png",
               "purpose": "any"} for size in ICON_SIZES]
    body = {"name": _("Fangkong · grid offline workbench"), "short_name": _("Grid offline"),
            "description": _("The grid worker's day, kept on the phone to work without signal."),
            "lang": "zh-Hans", "start_url": reverse("offline:app"), "scope": reverse("offline:app"),
            "display": "standalone", "background_color": "#f5f7f9", "theme_color": THEME_COLOUR, "icons": icons}
    return JsonResponse(body, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})


@require_GET
def icon(request, size: int):
    response = HttpResponse(icon_png(size), content_type="image/png")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@lru_cache(maxsize=1)
def _static_digest() -> str:
    """A digest of the shell's static files and the worker's own source: a deploy that changes any of them
    changes the cache's name, so the phone drops the old cache."""
    digest = hashlib.sha256(get_template("offline/sw.js").template.source.encode())
    for name in SHELL_STATIC:
        found = finders.find(name)
        digest.update(name.encode())
        if found:
            with open(found, "rb") as f:
                digest.update(f.read())
    return digest.hexdigest()[:16]


@require_GET
def service_worker(request):
    """The service worker, scope /offline/: the shell from the network first, else from its cache; never /api/."""
    shell = reverse("offline:app")
    precache = [static(name) for name in SHELL_STATIC] + [reverse("offline:manifest")]
    precache += [reverse(f"offline:icon_{size}") for size in ICON_SIZES]
    config = {"version": _static_digest(), "shell": shell, "precache": precache, "scope": shell,
              "api": "/api/", "timeout_ms": 3000}
    body = render_to_string("offline/sw.js", {"config": json.dumps(config)})
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = shell
    response["Cache-Control"] = "no-cache"
    return response
