"""The HTTP API: each app's router assembled under /api/, OpenAPI at /api/openapi.json."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.parser import Parser

from yunying.analytics.api import analytics_router, sales_router
from yunying.assets.api import router as assets_router
from yunying.core.api import calendar_router
from yunying.core.api_auth import API_AUTH
from yunying.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from yunying.core.limits import json_loads_limited
from yunying.duties.api import router as duties_router
from yunying.forms.api import router as forms_router
from yunying.inspections.api import router as inspections_router
from yunying.inspections.api_quality import router as quality_router
from yunying.notifications.api import router as notifications_router
from yunying.org.api import router as org_router
from yunying.servicedesk.api import router as servicedesk_router
from yunying.storeday.api import router as storeday_router
from yunying.workflow.api import router as workflow_router
from yunying.workflow.api_center import router as center_router


class LimitedParser(Parser):
    """JSON bodies within the nesting limit: parsed by RequestLimitMiddleware (which answers 422 for a
    body nested too deep), or here when the middleware did not see it."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        if hasattr(request, "parsed_json"):
            return request.parsed_json  # type: ignore[no-any-return]
        return json_loads_limited(request.body)


api = NinjaAPI(
    parser=LimitedParser(),
    docs_decorator=login_required,  # /api/docs and /api/openapi.json for signed-in people only
    title="Yunying API",
    version="1",
    description="运营中台 HTTP API. Authenticate with the browser session or `Authorization: Bearer <token>`.",
    auth=API_AUTH,
    urls_namespace="api",
)


@api.exception_handler(NotFound)
def _not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc), "code": exc.code}, status=404)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc), "code": exc.code}, status=403)


@api.exception_handler(Conflict)
def _conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc), "code": exc.code}, status=409)


@api.exception_handler(ValidationFailed)
def _invalid_rows(request: HttpRequest, exc: ValidationFailed) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc), "errors": exc.errors}, status=422)


@api.exception_handler(DomainError)
def _domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
    body = {"detail": str(exc), "code": exc.code, "field": exc.field}
    return api.create_response(request, body, status=422)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"detail": "Authentication required"}, status=401)


api.add_router("/org/", org_router)
api.add_router("/forms/", forms_router)
api.add_router("/sales/", sales_router)
api.add_router("/analytics/", analytics_router)
api.add_router("/workflow/", workflow_router)
api.add_router("/workflow/center", center_router)
api.add_router("/inspections/", inspections_router)
api.add_router("/quality/", quality_router)
api.add_router("/notifications", notifications_router)
api.add_router("/calendar/", calendar_router)
api.add_router("/assets", assets_router)
api.add_router("/stores", storeday_router)
api.add_router("/duties", duties_router)
api.add_router("/service-desk", servicedesk_router)
