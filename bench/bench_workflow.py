"""Workflow speed: end-to-end throughput of the shipped 物料申购 process (start, 管理部审核, 分级审批 by the
authority table) through the service layer, beside raw SpiffWorkflow running the same diagram in memory
(same run), and inbox API latency.

    .venv/bin/python bench/bench_workflow.py                          # 300 instances, 100,000 open tasks
    .venv/bin/python bench/bench_workflow.py --instances 150 --tasks 100000 --requests 100 --workers 2
    .venv/bin/python bench/bench_workflow.py --instances 100 --tasks 10000 --db sqlite
    .venv/bin/python bench/bench_workflow.py --src ../other-checkout/src   # the same bench on other code

For each database (a fresh SQLite file; PostgreSQL: the ONE database named by --pg-url, which must start
with ``bench_``, dropped and recreated) in a child process:
  engine     raw SpiffWorkflow (its own BpmnParser, BpmnWorkflow and default script engine, no project
             code) parses the shipped purchase.bpmn once and runs each instance in memory, completing
             every manual task in turn: the ceiling;
  services   instance_start + task_approve through yunying.workflow.services with the shipped form
             (table of items, computed total), the authority table and the 自动去重 of the low tier;
  N procs    the same with --workers processes at once (forked from the child, each with its own
             connection, --instances each), engine and services: what a multi-core machine gets;
  queries    SQL statements per instance (start and each approval, averaged over the three tiers);
  inbox      GET /api/workflow/tasks for a user with 200 open tasks in a database holding --tasks open
             tasks (bulk_create, then ANALYZE as autovacuum would), through Django's test client
             in-process: median and p99.

Instances cycle through the three tiers (total 150: 管理部 only, the final step approves itself; 250:
运营经理; 500: 总经理). Each timed run is preceded by a warm-up of three instances (per process), so
per-process caches are not in the figure.
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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
AMOUNTS = ("150", "250", "500")  # one instance per tier, in turn


def _purchase_xml(src: Path | None = None) -> bytes:
    here = (src or ROOT / "src") / "yunying" / "workflow" / "processes" / "purchase.bpmn"
    return here.read_bytes()


def _purchase(amount: str) -> dict[str, Any]:
    return {
        "store": "S1",
        "reason": "bench",
        "items": [{"name": "保鲜膜", "qty": 1, "unit": "箱", "price": amount}],
    }


def _spiff_spec() -> Any:
    from SpiffWorkflow.bpmn.parser import BpmnParser

    parser = BpmnParser()
    parser.add_bpmn_str(_purchase_xml(Path(os.environ.get("BENCH_SRC", ROOT / "src"))))
    return parser.get_spec("purchase")


def engine_run(n: int) -> float:
    spec = _spiff_spec()
    _engine_instances(spec, 3)
    t0 = time.perf_counter()
    _engine_instances(spec, n)
    return n / (time.perf_counter() - t0)


def _engine_instances(spec: Any, n: int) -> None:
    """Raw SpiffWorkflow: start with the form's data, complete every manual task (and the service task,
    whose handler does nothing) until the end."""
    from decimal import Decimal

    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.util.task import TaskState

    for i in range(n):
        amount = Decimal(AMOUNTS[i % 3])
        wf = BpmnWorkflow(spec)
        wf.get_tasks(state=TaskState.READY)[0].data.update({**_purchase(str(amount)), "total": amount})
        wf.do_engine_steps()
        while not wf.is_completed():
            ready = wf.get_tasks(state=TaskState.READY, manual=True)
            if not ready:  # a service task (生成采购单) waits for its handler: it answers at once
                for started in wf.get_tasks(state=TaskState.STARTED):
                    started.complete()
                wf.do_engine_steps()
                continue
            ready[0].data.update({"approved": True})
            ready[0].run()
            wf.do_engine_steps()


def _org() -> dict[str, Any]:
    from yunying.org.factories import StoreFactory, UnitFactory, person_with_login
    from yunying.org.models import UnitKind

    company: Any = UnitFactory(kind=UnitKind.COMPANY, code="C01", name="bench")
    center: Any = UnitFactory(kind=UnitKind.CENTER, code="CTR", name="center", parent=company)
    mgmt: Any = UnitFactory(kind=UnitKind.DEPARTMENT, code="D-MGMT", name="mgmt", parent=center)
    region: Any = UnitFactory(kind=UnitKind.REGION, code="R1", name="region", area="x", parent=mgmt)
    store: Any = StoreFactory(code="S1", area="x", parent=region)
    return {
        "gm": person_with_login("gm", "GM", company),
        "ops": person_with_login("ops", "OPS-MGR", center),
        "mgmt": person_with_login("mgmt", "MGMT-HEAD", mgmt),
        "store": person_with_login("store", "STORE-MGR", store),
        "area": person_with_login("area", "AREA-MGR", region),
    }


def _approver(users: dict[str, Any], element_id: str, assignee_id: int | None) -> Any:
    if element_id == "mgmt_review":
        return users["mgmt"]
    return users["ops"] if assignee_id == users["ops"].pk else users["gm"]


def _open_task(instance_id: int) -> tuple[int, str, int | None] | None:
    """The instance's open task (id, step, assignee): the bench's own look-up, one plain statement, so
    that what is timed is the service layer, not the bench building a query."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, element_id, assignee_id FROM workflow_worktask WHERE instance_id = %s AND status = %s "
            "ORDER BY id LIMIT 1",
            [instance_id, "open"],
        )
        row = cursor.fetchone()
    return (row[0], row[1], row[2]) if row else None


def _run_instances(n: int, users: dict[str, Any]) -> None:
    from yunying.workflow import services

    for i in range(n):
        inst = services.instance_start(actor=users["store"], key="purchase", data=_purchase(AMOUNTS[i % 3]))
        while (task := _open_task(inst.pk)) is not None:
            services.task_approve(actor=_approver(users, task[1], task[2]), task_id=task[0])


def services_run(n: int, users: dict[str, Any]) -> tuple[float, float]:
    """Instances/s, and this process's CPU milliseconds per instance (the Python side: what a busy
    machine's other processes and the database's own work do not change much)."""
    from yunying.workflow.models import WorkTask

    _run_instances(3, users)
    t0, c0 = time.perf_counter(), time.process_time()
    _run_instances(n, users)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert WorkTask.objects.filter(status="open").count() == 0
    return n / elapsed, cpu / n * 1000


def queries_per_instance(users: dict[str, Any], show: bool = False) -> float:
    """SQL statements of the service layer per instance (the bench's own task look-up excluded);
    ``show``: print each action's statements."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from yunying.workflow import services

    total = 0
    for amount in AMOUNTS:
        with CaptureQueriesContext(connection) as ctx:
            inst = services.instance_start(actor=users["store"], key="purchase", data=_purchase(amount))
        total += _counted(f"start ({amount})", ctx.captured_queries, show)
        while (task := _open_task(inst.pk)) is not None:
            with CaptureQueriesContext(connection) as ctx:
                services.task_approve(actor=_approver(users, task[1], task[2]), task_id=task[0])
            total += _counted(f"approve {task[1]} ({amount})", ctx.captured_queries, show)
    return total / len(AMOUNTS)


def _counted(action: str, queries: list[dict[str, Any]], show: bool) -> int:
    if show:
        print(f"-- {action}: {len(queries)} statements")
        for query in queries:
            print("   " + " ".join(query["sql"].split())[:300])
    return len(queries)


def _in_processes(workers: int, job: str, n: int, users: dict[str, Any]) -> float:
    """Run ``job`` ("engine" or "services") in ``workers`` forked processes at once; instances/s."""
    import multiprocessing

    from django.db import connections

    connections.close_all()  # each process opens its own connection
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(workers)
    results = ctx.Queue()
    user_ids = {k: getattr(u, "pk", None) for k, u in users.items()}
    procs = [ctx.Process(target=_worker, args=(job, n, user_ids, barrier, results)) for _ in range(workers)]
    for proc in procs:
        proc.start()
    spans = [results.get(timeout=3600) for _ in procs]
    for proc in procs:
        proc.join()
    if any(span is None for span in spans):
        raise RuntimeError(f"a {job} worker failed")
    start, end = min(s[0] for s in spans), max(s[1] for s in spans)  # CLOCK_MONOTONIC: system-wide
    return workers * n / (end - start)


def _worker(job: str, n: int, user_ids: dict[str, int], barrier: object, results: object) -> None:
    try:
        if job == "engine":
            spec = _spiff_spec()
            _engine_instances(spec, 3)
            barrier.wait()  # type: ignore[attr-defined]
            t0 = time.perf_counter()
            _engine_instances(spec, n)
        else:
            from yunying.accounts.models import User

            users: dict[str, Any] = {k: User.objects.get(pk=pk) for k, pk in user_ids.items()}
            _run_instances(3, users)
            barrier.wait()  # type: ignore[attr-defined]
            t0 = time.perf_counter()
            _run_instances(n, users)
        results.put((t0, time.perf_counter()))  # type: ignore[attr-defined]
    except BaseException:
        import traceback

        traceback.print_exc()
        results.put(None)  # type: ignore[attr-defined]
        raise


def inbox_run(total: int, users: dict[str, Any], requests: int) -> tuple[float, float, int]:
    from django.test import Client
    from django.utils import timezone

    from yunying.accounts.models import User
    from yunying.workflow.models import ProcessInstance, ProcessVersion, WorkTask

    version = ProcessVersion.objects.filter(definition__key="purchase").order_by("-number").first()
    assert version is not None
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
                name="管理部审核",
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
    from django.db import connection

    try:  # the inbox cards, where the code has them
        from yunying.workflow.cards import rebuild
    except ImportError:
        pass
    else:
        rebuild()
    with connection.cursor() as cursor:  # fresh planner statistics, as autovacuum would give them
        cursor.execute("ANALYZE")
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


def profile(n: int, users: dict[str, Any], sort: str) -> None:
    """cProfile of ``n`` instances through the service layer (after the warm-up), top functions by
    cumulative and by own time."""
    import cProfile
    import pstats

    _run_instances(3, users)
    prof = cProfile.Profile(time.process_time)
    t0, c0 = time.perf_counter(), time.process_time()
    prof.enable()
    _run_instances(n, users)
    prof.disable()
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(
        f"{n} instances in {elapsed:.2f} s under the profiler: {elapsed / n * 1000:.1f} ms per instance, "
        f"{cpu / n * 1000:.1f} ms CPU"
    )
    if os.environ.get("BENCH_PROFILE_OUT"):  # the raw stats, for pstats' callers/callees
        prof.dump_stats(os.environ["BENCH_PROFILE_OUT"])
    stats = pstats.Stats(prof)
    for key in sort.split(","):
        stats.sort_stats(key).print_stats(45)
    queries_per_instance(users, show=True)
    print("RESULT " + json.dumps({"profiled": n}))


def child(args: argparse.Namespace) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yunying.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from yunying.seed.services import seed_defaults

    seed_defaults()
    users = _org()
    if args.profile:
        profile(args.profile, users, args.profile_sort)
        return
    result: dict[str, float] = {
        "engine": engine_run(args.instances),
        **dict(zip(("services", "services_cpu_ms"), services_run(args.instances, users), strict=True)),
        "queries": queries_per_instance(users),
    }
    if args.workers > 1:
        result["engine_n"] = _in_processes(args.workers, "engine", args.instances, users)
        result["services_n"] = _in_processes(args.workers, "services", args.instances, users)
    if args.tasks:
        median, p99, open_total = inbox_run(args.tasks, users, args.requests)
        result.update(inbox_median_ms=median, inbox_p99_ms=p99, open_tasks=open_total)
    print("RESULT " + json.dumps(result))


def run_db(db: str, args: argparse.Namespace) -> dict[str, float]:
    src = Path(args.src).resolve() if args.src else ROOT / "src"
    env = dict(os.environ, PYTHONPATH=str(src), YUNYING_DATA_DIR=str(ROOT / f"var/bench-wf-{db}"))
    env["BENCH_SRC"] = str(src)
    env.pop("DATABASE_URL", None)
    env["YUNYING_HUEY_IMMEDIATE"] = "1"
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(ROOT / f"var/bench-wf-sqlite/yunying.sqlite3{suffix}").unlink(missing_ok=True)
    else:
        base, name = args.pg_url.rsplit("/", 1)
        if not name.startswith("bench_") or not name.replace("_", "").isalnum():
            raise SystemExit("--pg-url must name a database starting with bench_ (it is dropped)")
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
        "--workers",
        str(args.workers),
        "--profile",
        str(args.profile),
        "--profile-sort",
        args.profile_sort,
    ]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    if args.profile:
        print(out.stdout, out.stderr[-4000:])
    if db != "sqlite":  # the bench's own database goes when it is done
        subprocess.run(["psql", f"{base}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"], check=False)
    lines = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
    if not lines:
        raise SystemExit(f"{db} failed:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")
    return json.loads(lines[0][7:])


def _table(results: dict[str, dict[str, float]], workers: int) -> list[str]:
    dbs = list(results)

    def row(label: str, key: str, fmt: str, unit: str = "") -> str:
        cells = []
        for db in dbs:
            value = results[db].get(key)
            cells.append(f"{format(value, fmt)}{unit}" if value is not None else "—")
        return f"{label:<44}" + "".join(f"{c:>13}" for c in cells)

    def ratio(label: str, num: str, den: str) -> str:
        cells = []
        for db in dbs:
            a, b = results[db].get(num), results[db].get(den)
            cells.append(f"{a / b:.2f}" if a is not None and b else "—")
        return f"{label:<44}" + "".join(f"{c:>13}" for c in cells)

    lines = [f"{'':<44}" + "".join(f"{db:>13}" for db in dbs)]
    lines.append(row("raw SpiffWorkflow, 1 process (instances/s)", "engine", ".1f"))
    lines.append(row("services, 1 process (instances/s)", "services", ".1f"))
    lines.append(ratio("  ratio services / engine", "services", "engine"))
    lines.append(row("  services CPU of the process (ms/instance)", "services_cpu_ms", ".1f"))
    if workers > 1:
        lines.append(row(f"raw SpiffWorkflow, {workers} processes (instances/s)", "engine_n", ".1f"))
        lines.append(row(f"services, {workers} processes (instances/s)", "services_n", ".1f"))
        lines.append(ratio(f"  ratio services / engine, {workers} processes", "services_n", "engine_n"))
        lines.append(ratio(f"  services speed-up, {workers} processes / 1", "services_n", "services"))
    lines.append(row("SQL statements per instance", "queries", ".1f"))
    lines.append(row("inbox API median (ms)", "inbox_median_ms", ".1f"))
    lines.append(row("inbox API p99 (ms)", "inbox_p99_ms", ".1f"))
    lines.append(row("open tasks in the database", "open_tasks", ",.0f"))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--instances", type=int, default=300, help="instances per timed run (per process)")
    parser.add_argument("--tasks", type=int, default=100_000, help="open tasks of the inbox run (0: none)")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2, help="processes of the parallel runs (1: none)")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/bench_workflow")
    parser.add_argument("--src", default="", help="run another checkout's src/ (default: this one)")
    parser.add_argument(
        "--profile", type=int, default=0, help="only profile this many service-layer instances (cProfile)"
    )
    parser.add_argument(
        "--profile-sort", default="cumulative,tottime", help="pstats sort keys, comma-separated"
    )
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    dbs = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    print(
        f"shipped 物料申购 (start → 管理部审核 → 分级审批 → done), {args.instances} instances per run;"
        f" inbox: 200 of {args.tasks:,} open tasks, {args.requests} requests; {os.cpu_count()} CPUs"
    )
    results = {db: run_db(db, args) for db in dbs}
    print("\n".join(_table(results, args.workers)))
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
