"""Two people acting on the same task at the same moment: exactly one wins, the other is told it is
already handled. Real threads with their own database connections (and real HTTP requests)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from typing import Any

import pytest
from django.db import connection

from yunying.accounts.services import token_create
from yunying.core.errors import Conflict, DomainError
from yunying.workflow import services
from yunying.workflow.models import InstanceEvent, WorkTask
from yunying.workflow.tests.conftest import open_tasks, single_xml

pytestmark = pytest.mark.django_db(transaction=True)


def _race(n: int, action: Any) -> list[str]:
    barrier = threading.Barrier(n)
    results: list[str] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            action(i)
            results.append("ok")
        except Conflict as exc:
            results.append(f"conflict:{exc.code}")
        except DomainError as exc:  # pragma: no cover - shows in the assertion
            results.append(f"error:{exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return sorted(results)


def test_same_task_two_approvers_exactly_one_wins(deploy: Any, chain: Any) -> None:
    deploy("single.bpmn", key="single", xml=single_xml("position:AREA-MGR"))  # 或签: both may act
    inst = services.instance_start(actor=chain.users["store_a1"], key="single", data={})
    [task] = open_tasks(inst)
    users = [chain.users["area_a"], chain.users["area_b"]]
    results = _race(2, lambda i: services.task_approve(actor=users[i], task_id=task.pk))
    assert results == ["conflict:already_handled", "ok"]
    assert InstanceEvent.objects.filter(instance=inst, action="approve").count() == 1
    assert [t.element_id for t in open_tasks(inst)] == ["after"]  # no double transition
    assert WorkTask.objects.filter(instance=inst, element_id="after").count() == 1


def test_concurrent_http_requests(deploy: Any, chain: Any, live_server: Any) -> None:
    deploy("single.bpmn", key="single", xml=single_xml("position:AREA-MGR"))
    inst = services.instance_start(actor=chain.users["store_a1"], key="single", data={})
    [task] = open_tasks(inst)
    secrets = [
        token_create(user=chain.users[u], name="race")[1] for u in ("area_a", "area_b", "area_a", "area_b")
    ]
    statuses: list[int] = []
    barrier = threading.Barrier(len(secrets))

    def call(secret: str) -> None:
        request = urllib.request.Request(
            f"{live_server.url}/api/workflow/tasks/{task.pk}/complete",
            data=json.dumps({"action": "approve"}).encode(),
            headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
            method="POST",
        )
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as resp:
                statuses.append(resp.status)
        except urllib.error.HTTPError as exc:
            statuses.append(exc.code)

    threads = [threading.Thread(target=call, args=(s,)) for s in secrets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert sorted(statuses) == [200, 409, 409, 409]
    assert InstanceEvent.objects.filter(instance=inst, action="approve").count() == 1
    assert WorkTask.objects.filter(instance=inst, element_id="after").count() == 1
