"""Workflow engine speed: end-to-end throughput of a 3-step tiered approval through the service layer,
beside the raw SpiffWorkflow engine running the same diagram in memory (same run), and inbox API latency.

    .venv/bin/python bench/bench_workflow.py                          # 300 instances, 100,000 open tasks
    .venv/bin/python bench/bench_workflow.py --instances 100 --tasks 10000 --db sqlite

For each database (a fresh SQLite file; PostgreSQL at --pg-url, database recreated) in a child process:
  engine     start + complete the same diagram in memory with our engine facade (restricted expressions,
             dump_state after every step as the service layer does): the ceiling;
  services   instance_start + task_approve through yunying.workflow.services (forms check, assignment,
             locks, history, engine state and task rows in one transaction per action);
  inbox      GET /api/workflow/tasks for a user with 200 open tasks in a database holding --tasks open
             tasks (bulk_create), through Django's test client in-process: median and p99.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BPMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:yunying="http://yunying.dev/schema/bpmn/1.0" id="D" targetNamespace="http://yunying.dev/bench">
  <bpmn:process id="tiered" name="tiered" isExecutable="true">
    <bpmn:startEvent id="start" yunying:fields="amount:money:amount"/>
    <bpmn:userTask id="mgmt_review" name="mgmt" yunying:assignee="position:MGMT-HEAD"/>
    <bpmn:exclusiveGateway id="tier" default="f_gm"/>
    <bpmn:userTask id="ops_review" name="ops" yunying:assignee="position:OPS-MGR"/>
    <bpmn:userTask id="gm_review" name="gm" yunying:assignee="position:GM"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="mgmt_review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="mgmt_review" targetRef="tier"/>
    <bpmn:sequenceFlow id="f_low" sourceRef="tier" targetRef="end"><bpmn:conditionExpression>amount &lt; 200</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_ops" sourceRef="tier" targetRef="ops_review"><bpmn:conditionExpression>amount &gt;= 200 and amount &lt;= 300</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_gm" sourceRef="tier" targetRef="gm_review"/>
    <bpmn:sequenceFlow id="f3" sourceRef="ops_review" targetRef="end"/>
    <bpmn:sequenceFlow id="f4" sourceRef="gm_review" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""
AMOUNTS = ("150", "250", "500")  # one instance per tier, in turn


def engine_run(n: int) -> float:
    from decimal import Decimal

    from yunying.workflow.engine import dump_state, load_state, parse_definition, start_instance

    defn = parse_definition(BPMN)
    t0 = time.perf_counter()
    for i in range(n):
        inst = start_instance(defn, {"amount": Decimal(AMOUNTS[i % 3])})
        state = dump_state(inst)
        while True:
            inst = load_state(defn, state)
            ready = inst.ready_user_tasks()
            if not ready:
                break
            inst.complete_task(ready[0].id, {"approved": True})
            state = dump_state(inst)
        assert inst.is_completed()
    return n / (time.perf_counter() - t0)


def _org() -> dict[str, object]:
    from yunying.org.factories import StoreFactory, UnitFactory, person_with_login
    from yunying.org.models import UnitKind

    company = UnitFactory(kind=UnitKind.COMPANY, code="C01", name="bench")
    center = UnitFactory(kind=UnitKind.CENTER, code="CTR", name="center", parent=company)
    mgmt = UnitFactory(kind=UnitKind.DEPARTMENT, code="D-MGMT", name="mgmt", parent=center)
    region = UnitFactory(kind=UnitKind.REGION, code="R1", name="region", area="x", parent=mgmt)
    store = StoreFactory(code="S1", area="x", parent=region)
    return {
        "gm": person_with_login("gm", "GM", company),
        "ops": person_with_login("ops", "OPS-MGR", center),
        "mgmt": person_with_login("mgmt", "MGMT-HEAD", mgmt),
        "store": person_with_login("store", "STORE-MGR", store),
        "area": person_with_login("area", "AREA-MGR", region),
    }


def services_run(n: int, users: dict[str, object]) -> float:
    from yunying.workflow import services
    from yunying.workflow.models import WorkTask

    services.definition_deploy(actor=None, key="tiered", name="tiered", bpmn_xml=BPMN)
    by_name = {"mgmt_review": users["mgmt"], "ops_review": users["ops"], "gm_review": users["gm"]}
    t0 = time.perf_counter()
    for i in range(n):
        inst = services.instance_start(actor=users["store"], key="tiered", data={"amount": AMOUNTS[i % 3]})
        while True:
            task = WorkTask.objects.filter(instance=inst, status="open").first()
            if task is None:
                break
            services.task_approve(actor=by_name[task.element_id], task_id=task.pk)
    elapsed = time.perf_counter() - t0
    assert WorkTask.objects.filter(status="open").count() == 0
    return n / elapsed


def inbox_run(total: int, users: dict[str, object], requests: int) -> tuple[float, float, int]:
    from django.test import Client
    from django.utils import timezone

    from yunying.accounts.models import User
    from yunying.workflow.models import ProcessInstance, ProcessVersion, WorkTask

    version = ProcessVersion.objects.get(definition__key="tiered")
    others = [User.objects.create(username=f"u{i}") for i in range(500)]
    per_instance = 100
    now = timezone.now()
    instances = ProcessInstance.objects.bulk_create(
        [
            ProcessInstance(
                version=version, definition=version.definition, title=f"bench {i}", requester=users["store"]
            )
            for i in range(total // per_instance)
        ],
        batch_size=1000,
    )
    target = users["area"]
    rows = []
    for n in range(total):
        inst = instances[n // per_instance]
        assignee = (
            target if n % (total // 200) == 0 and n // (total // 200) < 200 else others[n % len(others)]
        )
        rows.append(
            WorkTask(
                instance=inst,
                element_id="mgmt_review",
                name="mgmt",
                assignee=assignee,
                engine_task_id=f"{n:036d}",
                due_at=now,
                created_at=now,
            )
        )
        if len(rows) >= 5000:
            WorkTask.objects.bulk_create(rows)
            rows = []
    WorkTask.objects.bulk_create(rows)
    open_total = WorkTask.objects.filter(status="open").count()
    client = Client()
    client.force_login(target)
    first = client.get("/api/workflow/tasks", {"limit": 50})
    assert first.status_code == 200 and first.json()["count"] == 200, first.content[:300]
    times = []
    for _ in range(requests):
        t0 = time.perf_counter()
        resp = client.get("/api/workflow/tasks", {"limit": 50})
        times.append((time.perf_counter() - t0) * 1000)
        assert resp.status_code == 200
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.99) - 1)], open_total


def child(args: argparse.Namespace) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yunying.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from yunying.seed.services import seed_defaults

    seed_defaults()
    users = _org()
    result = {
        "engine": engine_run(args.instances),
        "services": services_run(args.instances, users),
    }
    median, p99, open_total = inbox_run(args.tasks, users, args.requests)
    result.update(inbox_median_ms=median, inbox_p99_ms=p99, open_tasks=open_total)
    print("RESULT " + json.dumps(result))


def run_db(db: str, args: argparse.Namespace) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), YUNYING_DATA_DIR=str(ROOT / f"var/bench-wf-{db}"))
    env.pop("DATABASE_URL", None)
    env["YUNYING_HUEY_IMMEDIATE"] = "1"
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(ROOT / f"var/bench-wf-sqlite/yunying.sqlite3{suffix}").unlink(missing_ok=True)
    else:
        base, name = args.pg_url.rsplit("/", 1)
        subprocess.run(["psql", f"{base}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
        subprocess.run(["psql", f"{base}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
        env["DATABASE_URL"] = args.pg_url
    cmd = [
        sys.executable,
        __file__,
        "--child",
        "--instances",
        str(args.instances),
        "--tasks",
        str(args.tasks),
        "--requests",
        str(args.requests),
    ]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    lines = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
    if not lines:
        raise SystemExit(f"{db} failed:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")
    return json.loads(lines[0][7:])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--instances", type=int, default=300)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/yunying_bench_wf")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    dbs = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    print(f"3-step tiered approval, {args.instances} instances; inbox: 200 of {args.tasks:,} open tasks")
    print(
        f"{'database':<10} {'engine/s':>9} {'services/s':>11} {'ratio':>7} {'inbox median':>13} {'inbox p99':>10}"
    )
    for db in dbs:
        r = run_db(db, args)
        print(
            f"{db:<10} {r['engine']:>9.1f} {r['services']:>11.1f} {r['services'] / r['engine']:>7.2f}"
            f" {r['inbox_median_ms']:>10.1f} ms {r['inbox_p99_ms']:>7.1f} ms   ({r['open_tasks']:,} open)"
        )


if __name__ == "__main__":
    main()
