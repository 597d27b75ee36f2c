"""The interface language: Chinese unless the user chose English.

The choice is the signed-in user's saved language, else the language cookie (set by the switch in the
header), else settings.LANGUAGE_CODE (zh-hans). The browser's Accept-Language is deliberately not
consulted: Chinese is the interface language wherever the browser was installed, English is a choice.
This replaces Django's LocaleMiddleware and sits after the authentication middleware, whose lazy `request.user` it
reads and replaces by the user it holds.
"""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject


class LanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        user = getattr(request, "user", None)
        if isinstance(user, SimpleLazyObject):
            # The language needs the user now; from here on the page reads the user itself, not through the lazy
            # object's proxy (a page asks it a few hundred times for its scopes, memberships and attributes).
            user.is_authenticated  # noqa: B018  (read: the user is loaded)
            user = request.user = user._wrapped
        language = user.language if user is not None and user.is_authenticated and user.language else None
        if language not in self.available:
            language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.available:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response
