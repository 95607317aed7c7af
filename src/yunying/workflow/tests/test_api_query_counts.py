"""Statements per API call: the HTTP start and approval (Bearer token, as an integration calls them) cost
what the service calls cost, not one statement more (no token look-up once memoised, no re-reading of the
instance or its history for the answer), and stay within the service's budgets."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from yunying.accounts.services import token_create
from yunying.workflow import services
from yunying.workflow.tests.conftest import open_tasks
from yunying.workflow.tests.test_query_counts import (  # noqa: F401 (tiered: a fixture)
    APPROVE_BUDGET,
    START_BUDGET,
    _warm,
    tiered,
)

pytestmark = pytest.mark.django_db

# what the API adds to the service call: the token's look-up is memoised, the answer built from memory
API_START_EXTRA = 0
API_APPROVE_EXTRA = 0


def _post(client: Client, secret: str, path: str, body: dict[str, Any]) -> Any:
    return client.post(
        path, json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )


@pytest.mark.usefixtures("tiered", "ops")
def test_the_api_start_and_approval_cost_what_the_service_calls_cost(chain: Any) -> None:
    store, mgmt = chain.users["store_a1"], chain.users["mgmt"]
    tokens = {u.pk: token_create(user=u, name="t")[1] for u in (store, mgmt)}
    client = Client()
    body = {"key": "tiered", "data": {"amount": "500"}}
    _warm(chain)
    warm = _post(client, tokens[store.pk], "/api/workflow/instances", body)  # the tokens' look-ups too
    task = warm.json()["open_tasks"][0]["id"]
    warmed = _post(client, tokens[mgmt.pk], f"/api/workflow/tasks/{task}/complete", {"action": "approve"})
    assert warmed.status_code == 200, warmed.content

    with CaptureQueriesContext(connection) as api_start:
        started = _post(client, tokens[store.pk], "/api/workflow/instances", body)
    assert started.status_code == 201, started.content
    answer = started.json()
    assert answer["status"] == "running" and [t["step"] for t in answer["open_tasks"]] == ["mgmt"]
    with CaptureQueriesContext(connection) as service_start:
        instance = services.instance_start(actor=store, key="tiered", data=body["data"])

    with CaptureQueriesContext(connection) as api_approve:
        approved = _post(
            client,
            tokens[mgmt.pk],
            f"/api/workflow/tasks/{answer['open_tasks'][0]['id']}/complete",
            {"action": "approve"},
        )
    assert approved.status_code == 200, approved.content
    assert approved.json()["outcome"] == "approved"
    assert [s["step"] for s in approved.json()["next_steps"]] == ["gm"]
    [task_row] = open_tasks(instance)
    with CaptureQueriesContext(connection) as service_approve:
        services.task_approve(actor=mgmt, task_id=task_row.pk)

    assert len(api_start) == len(service_start) + API_START_EXTRA <= START_BUDGET, [
        q["sql"][:120] for q in api_start.captured_queries
    ]
    assert len(api_approve) == len(service_approve) + API_APPROVE_EXTRA <= APPROVE_BUDGET, [
        q["sql"][:120] for q in api_approve.captured_queries
    ]
