from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

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
