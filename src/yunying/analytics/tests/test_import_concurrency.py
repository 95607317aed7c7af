"""A large import never blocks the app: while an import runs (on SQLite, the single-writer database, too) (in its own thread and connection, as
the worker would), other users log in and approve tasks through a real server, and every request succeeds.
(The latency of those requests is measured by bench/bench_analytics.py, not asserted here.)"""

from __future__ import annotations

import http.cookiejar
import json
import re
import threading
import urllib.parse
import urllib.request
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection

from yunying.accounts.services import token_create
from yunying.analytics import services, writer
from yunying.analytics import tasks as analytics_tasks
from yunying.analytics.factories import ProductFactory
from yunying.analytics.models import ImportStatus, SalesImport, SalesProductDay
from yunying.workflow import services as workflow
from yunying.workflow.tests.conftest import deploy, deployer, open_tasks, single_xml  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

STORES = ["A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4", "B5", "D1"]


def _login(base: str, username: str) -> int:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login/", timeout=60).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    form = urllib.parse.urlencode(
        {"username": username, "password": "pass-word-1", "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(f"{base}/login/", data=form, headers={"Referer": f"{base}/login/"})
    with opener.open(request, timeout=60) as response:
        assert "/login" not in response.url, f"{username} was not logged in"
        return response.status


def _approve(base: str, secret: str, task_id: int) -> int:
    request = urllib.request.Request(
        f"{base}/api/workflow/tasks/{task_id}/complete",
        data=json.dumps({"action": "approve"}).encode(),
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status


def test_logins_and_approvals_succeed_while_a_large_import_runs(chain, ops, deploy, live_server, monkeypatch):  # noqa: F811
    deploy("single.bpmn", key="single", xml=single_xml("position:AREA-MGR"))
    tasks = []
    for _ in range(6):
        instance = workflow.instance_start(actor=chain.users["store_a1"], key="single", data={})
        tasks.append(open_tasks(instance)[0].pk)
    secret = token_create(user=chain.users["area_a"], name="concurrency")[1]
    for code in range(40):
        ProductFactory(code=f"P{code:02d}")
    start = date(2024, 1, 1)
    lines = ["store_code,date,product_code,qty,amount"]
    for offset in range(200):
        day = (start + timedelta(days=offset)).isoformat()
        lines.extend(f"{s},{day},P{p:02d},1,9.90" for s in STORES for p in range(40))
    monkeypatch.setattr(writer, "CHUNK_ROWS", 2000)  # many short write transactions
    monkeypatch.setattr(writer, "CHUNK_ROWS_POSTGRESQL", 2000)
    monkeypatch.setattr(
        analytics_tasks, "sales_import_task", lambda pk: None
    )  # run below, in a thread of its own
    upload = services.sales_import_upload(
        actor=ops, filename="big.csv", chunks=[("\n".join(lines) + "\n").encode()]
    )
    services.sales_import_confirm(
        actor=ops,
        sales_import=upload,
        kind="product",
        mapping=services.sales_import_preview(sales_import=upload).mapping,
    )
    outcome: dict[str, Any] = {}

    def run_import() -> None:
        try:
            outcome["import"] = services.sales_import_execute(import_id=upload.pk)
        finally:
            connection.close()

    _approve(live_server.url, secret, tasks.pop())  # the server's first requests load the app
    _login(live_server.url, "gm")
    worker = threading.Thread(target=run_import)
    worker.start()
    statuses: list[int] = []
    during = 0
    try:
        base = live_server.url
        users = ["area_a", "area_b", "mgmt", "supervisor", "store_a1", "gm"]
        i = 0
        while worker.is_alive() or i < len(tasks):
            if i < len(tasks):
                statuses.append(_approve(base, secret, tasks[i]))
            statuses.append(_login(base, users[i % len(users)]))
            during += worker.is_alive()
            i += 1
    finally:
        worker.join(300)
    assert during >= 1, "the import ended before any request was made"
    assert statuses and all(status == 200 for status in statuses)
    result = SalesImport.objects.get(pk=upload.pk)
    assert result.status == ImportStatus.DONE, result.message
    assert SalesProductDay.objects.count() == len(lines) - 1
    for task_id in tasks:
        assert workflow_task_done(task_id)


def workflow_task_done(task_id: int) -> bool:
    from yunying.workflow.models import WorkTask

    return WorkTask.objects.get(pk=task_id).status not in ("open", "claimed")
