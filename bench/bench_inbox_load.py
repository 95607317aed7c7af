"""The inbox under load: ``GET /api/workflow/tasks`` for a person with 200 open tasks in a database of
100,000 open tasks, served by gunicorn, hit by N keep-alive connections for S seconds — beside a plain
Django view that reads 20 rows of the same table through an index, served by the same gunicorn with
the same flags in the same run (the baseline). Prints requests/s, p50/p99 and the ratio.

    .venv/bin/python bench/bench_inbox_load.py                         # 100,000 tasks, 32 connections, 20 s
    .venv/bin/python bench/bench_inbox_load.py --tasks 20000 --seconds 5
    .venv/bin/python bench/bench_inbox_load.py --src /path/to/other/src  # the same bench on other code
    .venv/bin/python bench/bench_inbox_load.py --profile               # where one request's time goes

PostgreSQL only. The bench creates (and drops afterwards) ONE database, named by ``--db`` — it must
start with ``bench_`` (default ``bench_inbox_load``); nothing else is touched. The server listens on a
free loopback port (or ``--port``). ``--redis-url`` runs it with Redis as the cache (as in production).
``--keep`` leaves the database; ``--reuse`` runs again on the database a ``--keep`` run left (no set-up:
before/after comparisons with ``--src`` on the same rows).

``--profile`` (no server): cProfile of the inbox request through Django's test client, top functions
by cumulative time, plus the SQL statements of one request.

The baseline and the inbox alternate in ``--slices`` slices (the machine's other work falls on both);
besides requests/s the bench prints the CPU the server spends per request — its gunicorn workers and
their PostgreSQL backends, read from /proc — and the ratio of those, which other load disturbs less.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
BPMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:yunying="http://yunying.dev/schema/bpmn/1.0" id="D" targetNamespace="http://yunying.dev/bench">
  <bpmn:process id="tiered" name="tiered" isExecutable="true">
    <bpmn:startEvent id="start" yunying:fields="amount:money:amount"/>
    <bpmn:userTask id="mgmt_review" name="mgmt" yunying:assignee="position:MGMT-HEAD"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="mgmt_review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="mgmt_review" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""
INBOX = "/api/workflow/tasks?limit=20"
BASELINE = "/bench/baseline"


# --------------------------------------------------------------------------- the database (child process)
def setup(tasks: int) -> None:
    """Migrate, seed, and load ``tasks`` open tasks, 200 of them the target's; print the session key."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from yunying.accounts.models import User
    from yunying.org.factories import StoreFactory, UnitFactory, person_with_login
    from yunying.org.models import UnitKind
    from yunying.seed.services import seed_defaults
    from yunying.workflow import services
    from yunying.workflow.models import ProcessInstance, ProcessVersion, WorkTask

    call_command("migrate", verbosity=0, interactive=False)
    seed_defaults()
    company: Any = UnitFactory(kind=UnitKind.COMPANY, code="C01", name="bench")
    mgmt: Any = UnitFactory(kind=UnitKind.DEPARTMENT, code="D-MGMT", name="mgmt", parent=company)
    region: Any = UnitFactory(kind=UnitKind.REGION, code="R1", name="region", area="x", parent=mgmt)
    store: Any = StoreFactory(code="S1", area="x", parent=region)
    requester = person_with_login("store", "STORE-MGR", store)
    target = person_with_login("area", "AREA-MGR", region)
    person_with_login("mgmt", "MGMT-HEAD", mgmt)
    services.definition_deploy(actor=None, key="tiered", name="tiered", bpmn_xml=BPMN)
    version = ProcessVersion.objects.get(definition__key="tiered")
    others = User.objects.bulk_create([User(username=f"u{i}") for i in range(500)])
    per_instance = 100
    now = timezone.now()
    instances = ProcessInstance.objects.bulk_create(
        [
            ProcessInstance(
                version=version, definition=version.definition, title=f"bench {i}", requester=requester
            )
            for i in range(tasks // per_instance)
        ],
        batch_size=1000,
    )
    step = tasks // 200
    rows = []
    for n in range(tasks):
        mine = n % step == 0 and n // step < 200
        rows.append(
            WorkTask(
                instance=instances[n // per_instance],
                element_id="mgmt_review",
                name="mgmt",
                assignee=target if mine else others[n % len(others)],
                engine_task_id=f"{n:036d}",
                # due in the coming week, none during a run: a backlog of overdue notices all falling due
                # at once would be the worker's load, not the requests'
                due_at=now + dt.timedelta(hours=24 + n % 168),
                created_at=now,
            )
        )
        if len(rows) >= 5000:
            WorkTask.objects.bulk_create(rows)
            rows = []
    WorkTask.objects.bulk_create(rows)
    try:  # the inbox cards, where the code has them
        from yunying.workflow.cards import rebuild
    except ImportError:
        pass
    else:
        rebuild()
    with connection.cursor() as cursor:  # fresh planner statistics, as autovacuum would give them
        cursor.execute("ANALYZE")
    print("SETUP " + json.dumps({"session": login_session(target), "user_id": target.pk}))


def login_session(target: Any) -> str:
    """A signed-in session of ``target`` (its key: the cookie the load sends)."""
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session["_auth_user_id"] = str(target.pk)
    session["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[0]
    session["_auth_user_hash"] = target.get_session_auth_hash()
    session.create()
    return str(session.session_key)


def reuse() -> None:
    """A database a previous ``--keep`` run left: a new session of the reader; print it."""
    import django

    django.setup()
    from yunying.accounts.models import User

    target = User.objects.get(username="area")
    print("SETUP " + json.dumps({"session": login_session(target), "user_id": target.pk}))


def profile(requests: int) -> None:
    """cProfile of the inbox request (Django's test client, in-process) and its SQL."""
    import cProfile
    import pstats

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from yunying.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="area"))
    client.get(INBOX)
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(INBOX)
    assert resp.status_code == 200, resp.content[:300]
    print(f"SQL statements of one request: {len(ctx.captured_queries)}")
    for q in ctx.captured_queries:
        print(f"  {q['time']}s  {q['sql'][:160]}")
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    for _ in range(requests):
        client.get(INBOX)
    prof.disable()
    print(f"{requests} requests in-process: {(time.perf_counter() - t0) * 1000 / requests:.1f} ms each")
    pstats.Stats(prof).sort_stats("cumulative").print_stats(25)


# --------------------------------------------------------------------------- load
async def _client(
    port: int, path: str, cookie: str, deadline: float, latencies: list[float], errors: list[str]
) -> None:
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: sessionid={cookie}\r\n"
        "Accept: application/json\r\nConnection: keep-alive\r\n\r\n"
    ).encode()
    reader = writer = None
    while time.perf_counter() < deadline:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            assert reader is not None
            t0 = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = head[9:12]
            length = 0
            close = False
            for line in head.split(b"\r\n"):
                lower = line.lower()
                if lower.startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
                elif lower.startswith(b"connection:") and b"close" in lower:
                    close = True
            if length:
                await reader.readexactly(length)
            latencies.append(time.perf_counter() - t0)
            if status != b"200":
                errors.append(status.decode())
            if close:
                writer.close()
                reader = writer = None
        except (OSError, asyncio.IncompleteReadError) as exc:
            errors.append(type(exc).__name__)
            if writer is not None:
                writer.close()
            reader = writer = None
            await asyncio.sleep(0.01)
    if writer is not None:
        writer.close()


def load(
    port: int, path: str, cookie: str, connections: int, seconds: float, into: dict[str, Any] | None = None
) -> dict[str, Any]:
    """``connections`` keep-alive clients for ``seconds``: their latencies, errors and the time taken,
    added to ``into`` (a phase run in several slices) when given."""
    latencies: list[float] = []
    errors: list[str] = []

    async def run() -> None:
        deadline = time.perf_counter() + seconds
        await asyncio.gather(
            *(_client(port, path, cookie, deadline, latencies, errors) for _ in range(connections))
        )

    t0 = time.perf_counter()
    asyncio.run(run())
    phase = into if into is not None else {"latencies": [], "errors": [], "elapsed": 0.0, "cpu": 0.0}
    phase["latencies"].extend(latencies)
    phase["errors"].extend(errors)
    phase["elapsed"] += time.perf_counter() - t0
    return phase


def summary(phase: dict[str, Any]) -> dict[str, Any]:
    """Requests/s, p50 and p99 in ms, errors, and the server's CPU (web workers + their PostgreSQL
    backends) per request in ms."""
    latencies = sorted(phase["latencies"])
    n = len(latencies)
    errors = phase["errors"]
    return {
        "rps": n / phase["elapsed"] if phase["elapsed"] else 0.0,
        "p50_ms": statistics.median(latencies) * 1000 if n else 0.0,
        "p99_ms": latencies[max(0, int(n * 0.99) - 1)] * 1000 if n else 0.0,
        "requests": n,
        "cpu_ms": phase["cpu"] * 1000 / n if n else 0.0,
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
    }


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _backends(args: argparse.Namespace) -> list[int]:
    """The PostgreSQL backends connected to the bench's database (on this machine)."""
    out = subprocess.run(
        ["psql", f"{args.pg_url.rstrip('/')}/postgres", "-Atqc",
         f"SELECT pid FROM pg_stat_activity WHERE datname = '{args.db}' AND pid <> pg_backend_pid()"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    return [int(line) for line in out.stdout.split() if line.isdigit()]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of ``pids`` so far (0 for those gone)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int, cookie: str, timeout: float = 60) -> None:
    end = time.time() + timeout
    while time.time() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(
                    f"GET {BASELINE} HTTP/1.0\r\nHost: 127.0.0.1\r\nCookie: sessionid={cookie}\r\n\r\n".encode()
                )
                if s.recv(12)[9:12] == b"200":
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("the server did not answer")


def gunicorn(env: dict[str, str], port: int, workers: int, threads: int) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "bench_inbox_site:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--timeout",
        "120",
        "--log-level",
        "error",
    ]
    return subprocess.Popen(cmd, env=env, cwd=ROOT)


def environment(args: argparse.Namespace) -> dict[str, str]:
    src = Path(args.src).resolve() if args.src else ROOT / "src"
    env = dict(os.environ, PYTHONPATH=f"{HERE}{os.pathsep}{src}", DJANGO_SETTINGS_MODULE="yunying.settings")
    env["DATABASE_URL"] = f"{args.pg_url.rstrip('/')}/{args.db}"
    env["YUNYING_DATA_DIR"] = str(ROOT / "var" / args.db)
    env["YUNYING_HUEY_IMMEDIATE"] = "1"
    env.pop("REDIS_URL", None)
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    return env


def database(args: argparse.Namespace, action: str) -> None:
    check_name(args)
    admin = f"{args.pg_url.rstrip('/')}/postgres"
    subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {args.db}"], check=True)
    if action == "create":
        subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {args.db}"], check=True)


def check_name(args: argparse.Namespace) -> None:
    if not args.db.startswith("bench_") or not args.db.replace("_", "").isalnum():
        raise SystemExit("--db must start with bench_ (letters, digits and _ only)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument(
        "--slices", type=int, default=4, help="baseline and inbox alternate in this many slices each"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument(
        "--threads", type=int, default=4, help="gunicorn threads per worker (yunying serve: 4)"
    )
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument(
        "--db", default="bench_inbox_load", help="the one database the bench creates and drops"
    )
    parser.add_argument(
        "--redis-url", default="", help="use Redis as the cache (e.g. redis://127.0.0.1:6379/3)"
    )
    parser.add_argument("--port", type=int, default=0, help="the server's port (default: a free one)")
    parser.add_argument("--src", default="", help="run another checkout's src/ (default: this one)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="use the database a previous --keep run left (no set-up; kept afterwards)",
    )
    parser.add_argument("--profile", action="store_true", help="profile one request instead of the load")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", choices=("setup", "reuse", "profile"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "setup":
        setup(args.tasks)
        return
    if args.child == "reuse":
        reuse()
        return
    if args.child == "profile":
        profile(50)
        return
    check_name(args)
    env = environment(args)
    if args.reuse:
        args.keep = True
    else:
        database(args, "create")
    try:
        child = ["--child", "reuse"] if args.reuse else ["--child", "setup", "--tasks", str(args.tasks)]
        out = subprocess.run(
            [sys.executable, __file__, *child],
            env=env,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        lines = [line for line in out.stdout.splitlines() if line.startswith("SETUP ")]
        if not lines:
            raise SystemExit(f"setup failed:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")
        cookie = json.loads(lines[0][6:])["session"]
        if args.profile:
            subprocess.run([sys.executable, __file__, "--child", "profile"], env=env, cwd=ROOT, check=True)
            return
        port = args.port or free_port()
        server = gunicorn(env, port, args.workers, args.threads)
        try:
            wait_for(port, cookie)
            for path in (BASELINE, INBOX):
                load(port, path, cookie, args.connections, 2)  # warm-up
            # Interleaved slices, so that a change in the machine's other load falls on both alike; the
            # CPU the server spends per request (its workers and their database backends) is counted too.
            pids = _children(server.pid) + _backends(args)
            phases: dict[str, dict[str, Any]] = {
                name: {"latencies": [], "errors": [], "elapsed": 0.0, "cpu": 0.0}
                for name in ("baseline", "inbox")
            }
            order = [("baseline", BASELINE), ("inbox", INBOX)]
            for n in range(args.slices):
                for name, path in order if n % 2 == 0 else order[::-1]:
                    before = cpu_seconds(pids)
                    load(port, path, cookie, args.connections, args.seconds / args.slices, phases[name])
                    phases[name]["cpu"] += cpu_seconds(pids) - before
            results = {name: summary(phase) for name, phase in phases.items()}
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        if not args.keep:
            database(args, "drop")
    b, i = results["baseline"], results["inbox"]
    print(
        f"inbox under load: {args.tasks:,} open tasks (200 the reader's), {args.connections} connections,"
        f" {args.seconds:g} s each in {args.slices} interleaved slices, gunicorn --workers {args.workers} --threads {args.threads},"
        f" {'Redis' if args.redis_url else 'local-memory'} cache; {os.cpu_count()} CPUs"
    )
    print(f"{'':<36}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'CPU ms':>10}{'errors':>8}")
    for label, r in (("baseline: Django 20-row indexed view", b), ("inbox API (20 rows)", i)):
        print(
            f"{label:<36}{r['rps']:>10.0f}{r['p50_ms']:>10.1f}{r['p99_ms']:>10.1f}{r['cpu_ms']:>10.2f}"
            f"{r['errors']:>8}"
        )
    print(f"{'ratio inbox / baseline (req/s)':<36}{i['rps'] / b['rps']:>10.2f}")
    if i["cpu_ms"]:
        print(f"{'ratio by server CPU per request':<36}{b['cpu_ms'] / i['cpu_ms']:>10.2f}")
    print(
        f"load average {os.getloadavg()[0]:.2f} (the machine's other work counts in req/s, less in CPU/request)"
    )
    for label, r in (("baseline", b), ("inbox", i)):
        if r["errors"]:
            print(f"WARNING: {label}: {r['errors']} failed requests (first: {r['first_error']})")
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
