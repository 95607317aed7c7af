"""A large org import does not hold the database: while it writes (in its own thread and connection),
other people log in and approve tasks through a real server, on SQLite (one writer at a time) too, and
every request succeeds, answered while the import is still writing (not after it). The import fails on
its last row, so everything it wrote is put back, while the others' approvals stay."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from yunying.accounts.services import token_create
from yunying.analytics.tests.test_import_concurrency import _approve, _login, workflow_task_done
from yunying.org import imports
from yunying.org.models import Employee
from yunying.workflow import services as workflow
from yunying.workflow.tests.conftest import deploy, deployer, open_tasks, single_xml  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 1500


def test_others_write_while_a_large_org_import_runs_and_is_put_back(
    chain,
    deploy,  # noqa: F811
    live_server,
    settings,
    monkeypatch,
):
    settings.YUNYING_IMPORT_WRITE_SECONDS = 600
    writing = threading.Event()  # set while the import's write pass runs
    write = imports._write

    def watched_write(*args: Any) -> Any:
        writing.set()
        try:
            return write(*args)
        finally:
            writing.clear()

    monkeypatch.setattr(imports, "_write", watched_write)
    deploy("single.bpmn", key="single", xml=single_xml("position:AREA-MGR"))
    tasks = []
    for _ in range(6):
        instance = workflow.instance_start(actor=chain.users["store_a1"], key="single", data={})
        tasks.append(open_tasks(instance)[0].pk)
    secret = token_create(user=chain.users["area_a"], name="concurrency")[1]
    lines = ["工号,姓名,手机,入职日期,岗位,单位编码,任职日期"]
    lines += [f"N{i:05d},新人{i},,,,," for i in range(ROWS)]
    lines.append("N00000,新人0,,,服务员,A2,")
    lines.append("N00000,新人0,,,服务员,A2,")  # already in that seat: refused by the service, last row
    content = ("\n".join(lines) + "\n").encode()
    employees = Employee.objects.count()
    outcome: dict[str, Any] = {}

    def run_import() -> None:
        try:
            outcome["report"] = imports.import_file(
                actor=chain.users["mgmt"], kind="employees", filename="e.csv", content=content
            )
        finally:
            connection.close()

    _approve(live_server.url, secret, tasks.pop())  # the server's first requests load the app
    _login(live_server.url, "gm")
    worker = threading.Thread(target=run_import)
    worker.start()
    statuses: list[int] = []
    during = 0
    try:
        users = ["area_a", "area_b", "mgmt", "supervisor", "store_a1", "gm"]
        i = 0
        while worker.is_alive() or i < len(tasks):
            began = writing.is_set()
            if i < len(tasks):
                statuses.append(_approve(live_server.url, secret, tasks[i]))
            statuses.append(_login(live_server.url, users[i % len(users)]))
            during += began and writing.is_set()  # answered while the import was writing
            i += 1
    finally:
        worker.join(300)
    assert during >= 2, "no request was answered while the import was writing"
    assert statuses and all(status == 200 for status in statuses)
    report = outcome["report"]
    assert not report.ok and [e.row for e in report.errors] == [ROWS + 3]
    assert Employee.objects.count() == employees  # everything the import wrote was put back
    for task_id in tasks:
        assert workflow_task_done(task_id)
