from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from whitenoise.middleware import WhiteNoiseMiddleware

from yunying.core.errors import DomainError, NotFound, PermissionDenied
from yunying.core.limits import TooLarge, json_loads_limited, megabytes, upload_quota_check
from yunying.web.uploads import QUOTA_ENVELOPE_BYTES, policy_for


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


class RequestLimitMiddleware:
    """Permission first, then size, then the body: applies `yunying.web.uploads` before anything reads
    the request body (it sits before CsrfViewMiddleware, which reads `request.POST`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if _has_nul(request.GET) or "\x00" in request.path:
            # No database stores a NUL character (PostgreSQL refuses it): refused here, not with a 500.
            return self._refuse(request, 400, _("请求中含有无效的字符。"))
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return self._refuse(request, 400, _("请求头 Content-Length 无效。"))
        if length <= 0:
            return None  # WSGI reads no body without a length
        match = request.resolver_match
        policy = policy_for(match.view_name if match else None)
        limit = settings.YUNYING_MAX_BODY_BYTES
        if policy is not None:
            user = _caller(request)
            if not policy.allowed(user):
                if user.is_authenticated:
                    return self._refuse(request, 403, _("您没有执行此操作的权限。"))
                if _is_api(request):
                    return self._refuse(request, 401, "Authentication required")
                return redirect_to_login(request.get_full_path())
            limit = policy.max_bytes()
            if policy.quota and length <= limit and request.content_type == "multipart/form-data":
                refused = self._quota_refusal(request, user, length)
                if refused is not None:
                    return refused
        if length > limit:
            message = _("上传的内容过大（上限 %(n)s MB）。") % {"n": megabytes(limit)}
            if _is_api(request) and request.content_type == "application/json":
                return JsonResponse({"detail": message, "code": "too_large"}, status=422)  # like too deep
            return self._refuse(request, 413, message)
        if _is_api(request) and request.content_type == "application/json":
            # Parsed once here, within the depth limit; the API's parser takes the result.
            if b"\\u0000" in request.body:
                return JsonResponse(
                    {"detail": _("请求中含有无效的字符。"), "code": "bad_request"}, status=422
                )
            try:
                request.parsed_json = json_loads_limited(request.body)  # type: ignore[attr-defined]
            except DomainError as exc:
                return JsonResponse({"detail": str(exc), "code": exc.code}, status=422)
        return None

    def _quota_refusal(self, request: HttpRequest, user: Any, length: int) -> HttpResponse | None:
        """The sender's quota cannot take this body's files (judged from Content-Length): refused unread."""
        try:
            upload_quota_check(user=user, incoming=length - QUOTA_ENVELOPE_BYTES)
        except TooLarge as exc:
            if _is_api(request):
                return JsonResponse({"detail": str(exc), "code": exc.code}, status=422)  # like after parsing
            return self._refuse(request, 413, str(exc))
        return None

    @staticmethod
    def _refuse(request: HttpRequest, status: int, message: str) -> HttpResponse:
        if _is_api(request):
            code = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 413: "too_large"}[status]
            return JsonResponse({"detail": message, "code": code}, status=status)
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _has_nul(query: Any) -> bool:
    return any("\x00" in key or any("\x00" in value for value in query.getlist(key)) for key in query)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _caller(request: HttpRequest) -> Any:
    """The session's user, or the owner of a Bearer token (through the API's own memoised look-up)."""
    user = request.user
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not user.is_authenticated and header.lower().startswith("bearer "):
        from yunying.core.api_auth import token_user

        return token_user(header[7:].strip()) or user
    return user


class SecurityHeadersMiddleware:
    """The Content-Security-Policy (settings.YUNYING_CSP) on every response that has none."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.YUNYING_CSP:
            response.headers.setdefault("Content-Security-Policy", settings.YUNYING_CSP)
        return response


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, with files under hashed names cached for a year (its own default is ten)."""

    FOREVER = 365 * 24 * 60 * 60
