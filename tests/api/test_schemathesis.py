"""Property-based run over the whole OpenAPI (schemathesis): generated calls, as a demo user, never 5xx.

Bounded: a few valid and a few invalid examples per operation (`YUNYING_SCHEMATHESIS_EXAMPLES`, default 8), no deadline."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

EXAMPLES = int(os.environ.get("YUNYING_SCHEMATHESIS_EXAMPLES", "8"))
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]  # valid calls, and calls the schema forbids


@pytest.fixture
def app(db: Any) -> Iterator[WSGIHandler]:
    """Django's WSGI handler inside the test's transaction (as Django's test client does it)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def token(db: Any) -> str:
    from tests.snapshots import demo_chain
    from yunying.accounts.models import User
    from yunying.accounts.services import token_create

    demo_chain()
    _token, secret = token_create(user=User.objects.get(username="mgmt"), name="schemathesis")
    return secret


def test_no_operation_answers_5xx(app: WSGIHandler, token: str) -> None:
    from yunying.api import api

    schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20

    for operation, mode in [(op, mode) for op in operations for mode in MODES]:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case: Any) -> None:
            response = case.call(app=app, headers=headers)
            if response.status_code >= 500:
                failures.append(
                    f"{response.status_code} {case.method} {case.formatted_path} {case.query} {case.body!r:.200}"
                )

        run()
    assert not failures, "\n".join(failures)
