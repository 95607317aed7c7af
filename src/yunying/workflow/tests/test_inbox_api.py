"""The inbox API's hot path: one statement for a page of to-do cards with its count, the same answer
as the schema says, and a scope that follows appointments."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from ninja.responses import NinjaJSONEncoder

from yunying.workflow import services
from yunying.workflow.api import TaskListOut
from yunying.workflow.tests.conftest import single_xml

pytestmark = pytest.mark.django_db

# the session, its user, and one statement for the page of cards with the count of the whole list
# (the seats and groups of the reader are memoised per process, invalidated when they change)
INBOX_API_STATEMENTS = 3


def _fill(deploy: Any, chain: Any, mine: int, queue: int) -> None:
    deploy("single.bpmn", key="mine", xml=single_xml("user:supervisor"))
    deploy("single.bpmn", key="queue", xml=single_xml("queue:position:SUPERVISOR@D-MGMT"))
    for key, n in (("mine", mine), ("queue", queue)):
        for _i in range(n):
            services.instance_start(actor=chain.users["store_a1"], key=key, data={})


def test_a_page_of_the_inbox_is_one_statement_with_its_count(deploy: Any, chain: Any, client: Any) -> None:
    _fill(deploy, chain, mine=7, queue=5)
    client.force_login(chain.users["supervisor"])
    client.get("/api/workflow/tasks", {"limit": 5})  # warm: the reader's seats and groups, the statement
    pages = []
    for offset in (0, 5, 10):
        with CaptureQueriesContext(connection) as ctx:
            resp = client.get("/api/workflow/tasks", {"limit": 5, "offset": offset})
        assert resp.status_code == 200
        assert len(ctx.captured_queries) == INBOX_API_STATEMENTS, [q["sql"] for q in ctx.captured_queries]
        body = resp.json()
        assert body["count"] == 12 and body["counts"] == {"todo": 12}
        pages.append(body["items"])
    assert [len(p) for p in pages] == [5, 5, 2]
    items = [item for page in pages for item in page]
    assert len({item["id"] for item in items}) == 12
    assert sorted(item["queue"] for item in items) == [False] * 7 + [True] * 5
    assert {item["assignee"] for item in items} == {"supervisor", None}
    assert {item["process"] for item in items} == {"mine", "queue"}
    # what ninja made of the schema before: the validated model, rendered by its encoder
    validated = TaskListOut.model_validate(body).model_dump()
    assert json.loads(json.dumps(validated, cls=NinjaJSONEncoder)) == body
    assert resp["Content-Type"] == "application/json; charset=utf-8"


def test_the_compiled_page_answers_as_the_query_would(deploy: Any, chain: Any, client: Any) -> None:
    from yunying.workflow.inbox import InboxFilters, inbox_tasks

    _fill(deploy, chain, mine=3, queue=2)
    reader = chain.users["supervisor"]
    for order in ("due", "new"):
        filters = InboxFilters(order=order)
        first, n_first = inbox_tasks(user=reader, tab="todo", filters=filters, limit=3)
        again, n_again = inbox_tasks(user=reader, tab="todo", filters=filters, limit=3)  # compiled
        connection._yunying_inbox_sql = {}  # type: ignore[attr-defined]
        fresh, n_fresh = inbox_tasks(user=reader, tab="todo", filters=filters, limit=3)
        assert first == again == fresh and n_first == n_again == n_fresh == 5
        past, n_past = inbox_tasks(user=reader, tab="todo", filters=filters, limit=3, offset=10)
        assert past == [] and n_past == 5  # paged past the end: counted apart


def test_a_new_appointment_shows_its_queue_at_once(deploy: Any, chain: Any, client: Any) -> None:
    from yunying.org.factories import appoint

    _fill(deploy, chain, mine=0, queue=2)
    gm = chain.users["gm"]
    client.force_login(gm)
    assert client.get("/api/workflow/tasks").json()["count"] == 0
    supervisor_seat = chain.users["supervisor"].employee.appointments.get()
    appoint(gm.employee, "SUPERVISOR", supervisor_seat.unit)
    body = client.get("/api/workflow/tasks").json()
    assert body["count"] == 2 and {item["queue"] for item in body["items"]} == {True}


def test_the_done_tab_answers_in_the_same_shape(deploy: Any, chain: Any, client: Any) -> None:
    from yunying.workflow.tests.conftest import open_tasks

    deploy("single.bpmn", key="mine", xml=single_xml("user:supervisor"))
    instance = services.instance_start(actor=chain.users["store_a1"], key="mine", data={})
    [task] = open_tasks(instance)
    services.task_approve(actor=chain.users["supervisor"], task_id=task.pk)
    client.force_login(chain.users["supervisor"])
    body = client.get("/api/workflow/tasks", {"tab": "done"}).json()
    assert body["count"] == 1 and body["counts"] == {"done": 1}
    [item] = body["items"]
    assert item["id"] == task.pk and item["status"] == "completed" and item["overdue"] is False
    assert item["assignee"] == "supervisor" and item["outcome"] and item["next_steps"] is None
    validated = TaskListOut.model_validate(body).model_dump()
    assert json.loads(json.dumps(validated, cls=NinjaJSONEncoder)) == body
    assert client.get("/api/workflow/tasks").json() == {"count": 0, "counts": {"todo": 0}, "items": []}
