"""The WSGI application the load benches serve: the project's own URLs plus the baseline view, a
plain Django view that reads 20 rows of the task table through an index (``/bench/baseline``)."""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yunying.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.http import HttpRequest, JsonResponse  # noqa: E402
from django.urls import include, path  # noqa: E402


def baseline(request: HttpRequest) -> JsonResponse:
    """Twenty open tasks of the signed-in user, by due time: one indexed query, plain JSON."""
    from yunying.workflow.models import WorkTask

    rows = list(
        WorkTask.objects.filter(assignee_id=request.user.pk, status="open")
        .order_by("due_at")
        .values("id", "instance_id", "name", "due_at")[:20]
    )
    return JsonResponse({"items": rows})


urlpatterns: list[Any] = [path("bench/baseline", baseline), path("", include(settings.ROOT_URLCONF))]
settings.ROOT_URLCONF = __name__
application = WSGIHandler()
