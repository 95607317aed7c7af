from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from yunying.core.errors import NotFound, PermissionDenied


class DomainErrorMiddleware:
    """Pages: an object outside the caller's scope is a 404, a missing permission a 403."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotFound):
            raise Http404(str(exception))
        if isinstance(exception, PermissionDenied):
            raise DjangoPermissionDenied(str(exception))
        return None


class LanguageMiddleware:
    """zh-Hans unless the person chose otherwise: their saved choice (cookie, then profile) decides;
    the browser's Accept-Language does not (a phone set to English still opens Yunying in Chinese)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        supported = dict(settings.LANGUAGES)
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if language not in supported:
            user = getattr(request, "user", None)
            language = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if language not in supported:
            language = settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        # Scoped to this request: the thread goes back to the default language afterwards.
        with translation.override(language):
            response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response
