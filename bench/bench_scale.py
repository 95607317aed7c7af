"""Scale-out, measured: the same load against 1 and 2 gunicorn processes and 1 and 2 background
workers, on PostgreSQL + Redis, so the README's "add web processes" advice rests on a figure.

The load, per configuration, for ``--seconds``: ``--clients`` keep-alive clients each starting a shipped
物料申购 request over the API (token of the store manager) and approving its first step (token of the
管理部 head) — every approval queues notifications for the background workers — while as many clients
read the inbox. Printed: completed approvals/s, inbox reads/s, their p99, and how long the workers took
to deliver what was queued after the load stopped, and the server's CPU per completed instance (gunicorn
workers, background workers and their PostgreSQL backends, from /proc, the delivery included; the reads'
too when there are readers): on a machine shared with other work it moves less than the rates.

    .venv/bin/python bench/bench_scale.py --redis-url redis://127.0.0.1:6379/3
    .venv/bin/python bench/bench_scale.py --redis-url redis://127.0.0.1:6379/3 --seconds 5 --tasks 10000
    # the issue's HTTP row: 4 web processes, 8 approving clients and no readers, one worker
    .venv/bin/python bench/bench_scale.py --redis-url redis://127.0.0.1:6379/3 --web 4 --bg 1 --clients 8 \
        --readers 0 --seconds 20

Each approval is a whole instance: the total (150) is within the 管理部's own limit, so its approval
completes the request (the final tier step approves itself). Also printed: each API call's p50 and p99,
and the SQL statements of one instance over the API (start + approval, the same code path as a request to
gunicorn, counted in-process through Django's test client).

``--profile`` (no server): cProfile of the API's start and approval through Django's test client
(Bearer tokens, as the load sends them), top functions by cumulative time, plus the SQL of one of each.

On a 2-core machine expect little from a second process (the clients share the cores); the script is for
bigger machines. It creates and drops ONE database (``--db``, starting with ``bench_``) and uses the
Redis database given (it flushes that database at the start and the end: give it one of its own).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_inbox_load as base  # noqa: E402


def tokens() -> None:
    """(child) API tokens for the store manager and the 管理部 head."""
    import django

    django.setup()
    from yunying.accounts.models import User
    from yunying.accounts.services import token_create

    out: dict[str, Any] = {}
    for login in ("store", "mgmt"):
        _token, secret = token_create(user=User.objects.get(username=login), name="bench")
        out[login] = secret
    out["statements"] = statements(out)
    print("TOKENS " + json.dumps(out))


def statements(toks: dict[str, str]) -> dict[str, int]:
    """(child) SQL statements of one instance over the API: the start and the approval that completes it
    (after two warm-up instances, so per-process caches are as a running server has them)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    counts: dict[str, int] = {}
    for _ in range(3):
        with CaptureQueriesContext(connection) as start:
            task = _api_start(client, toks)
        with CaptureQueriesContext(connection) as approve:
            _api_approve(client, toks, task)
        counts = {"start": len(start), "approve": len(approve)}
    return counts


def _api_start(client: Any, toks: dict[str, str]) -> int:
    """(child) One 物料申购 started over the API as the store manager; its first open task."""
    answer = client.post(
        "/api/workflow/instances",
        APPROVAL_BODY,
        content_type="application/json",
        headers={"authorization": f"Bearer {toks['store']}"},
    )
    assert answer.status_code == 201, answer.content
    return int(answer.json()["open_tasks"][0]["id"])


def _api_approve(client: Any, toks: dict[str, str], task: int) -> None:
    """(child) The task approved over the API as the 管理部 head."""
    answer = client.post(
        f"/api/workflow/tasks/{task}/complete",
        {"action": "approve"},
        content_type="application/json",
        headers={"authorization": f"Bearer {toks['mgmt']}"},
    )
    assert answer.status_code == 200, answer.content


def profile(requests: int) -> None:
    """(child) cProfile of the API's start and approval (Django's test client, in-process, Bearer tokens)
    and the SQL of one of each, after warm-up instances."""
    import cProfile
    import pstats

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from yunying.accounts.models import User
    from yunying.accounts.services import token_create

    toks = {
        login: token_create(user=User.objects.get(username=login), name="bench")[1]
        for login in ("store", "mgmt")
    }
    client = Client()

    def start() -> int:
        return _api_start(client, toks)

    def approve(task: int) -> None:
        _api_approve(client, toks, task)

    for _ in range(3):
        approve(start())
    with CaptureQueriesContext(connection) as started:
        task = start()
    with CaptureQueriesContext(connection) as approved:
        approve(task)
    for label, ctx in (("start", started), ("approval", approved)):
        print(f"SQL statements of one {label}: {len(ctx.captured_queries)}")
        for q in ctx.captured_queries:
            print(f"  {q['time']}s  {q['sql'][:150]}")
    tasks = []
    for label in ("start", "approval"):
        prof = cProfile.Profile()
        t0 = time.perf_counter()
        for n in range(requests):
            if label == "start":
                prof.enable()
                tasks.append(start())
                prof.disable()
            else:
                prof.enable()
                approve(tasks[n])
                prof.disable()
        print(
            f"{requests} {label} calls in-process: {(time.perf_counter() - t0) * 1000 / requests:.1f} ms each"
        )
        pstats.Stats(prof).sort_stats("cumulative").print_stats(40)


def queued(env: dict[str, str]) -> int:
    """Notifications not delivered yet (the outbox the workers drain)."""
    code = (
        "import django; django.setup();"
        "from yunying.notifications.models import Notification;"
        "print(Notification.objects.filter(delivered_at__isnull=True).count())"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1])


async def _post(reader: Any, writer: Any, path: str, token: str, body: dict[str, Any]) -> tuple[int, Any]:
    data = json.dumps(body).encode()
    writer.write(
        (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\nConnection: keep-alive\r\n\r\n"
        ).encode()
        + data
    )
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    payload = await reader.readexactly(length) if length else b""
    return int(head[9:12]), json.loads(payload or b"null")


APPROVAL_BODY = {
    "key": "purchase",
    "data": {
        "store": "S1",
        "reason": "bench",
        "items": [{"name": "纸巾", "qty": 1, "unit": "箱", "price": "150"}],
    },
}


async def _approver(
    port: int,
    toks: dict[str, str],
    deadline: float,
    done: list[float],
    calls: list[float],
    errors: list[str],
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    while time.perf_counter() < deadline:
        t0 = time.perf_counter()
        status, started = await _post(reader, writer, "/api/workflow/instances", toks["store"], APPROVAL_BODY)
        t1 = time.perf_counter()
        calls.append(t1 - t0)
        if status != 201:
            errors.append(str(status))
            continue
        task = started["open_tasks"][0]["id"]
        status, _answer = await _post(
            reader, writer, f"/api/workflow/tasks/{task}/complete", toks["mgmt"], {"action": "approve"}
        )
        calls.append(time.perf_counter() - t1)
        if status != 200:
            errors.append(str(status))
            continue
        done.append(time.perf_counter() - t0)
    writer.close()


def _pct(values: list[float], share: float) -> float:
    return values[max(0, int(len(values) * share) - 1)] * 1000 if values else 0.0


def mixed(
    port: int, cookie: str, toks: dict[str, str], clients: int, readers: int, seconds: float
) -> dict[str, float]:
    approvals: list[float] = []
    calls: list[float] = []
    reads: list[float] = []
    errors: list[str] = []

    async def run() -> None:
        deadline = time.perf_counter() + seconds
        await asyncio.gather(
            *(_approver(port, toks, deadline, approvals, calls, errors) for _ in range(clients)),
            *(base._client(port, base.INBOX, cookie, deadline, reads, errors) for _ in range(readers)),
        )

    t0 = time.perf_counter()
    asyncio.run(run())
    elapsed = time.perf_counter() - t0
    approvals.sort()
    calls.sort()
    reads.sort()
    return {
        "approvals": len(approvals),
        "approvals_per_s": len(approvals) / elapsed,
        "approval_p99_ms": _pct(approvals, 0.99),
        "call_p50_ms": _pct(calls, 0.5),
        "call_p99_ms": _pct(calls, 0.99),
        "reads_per_s": len(reads) / elapsed,
        "read_p50_ms": statistics.median(reads) * 1000 if reads else 0.0,
        "errors": len(errors),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--redis-url", required=True, help="a Redis database of the bench's own")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default="bench_scale")
    parser.add_argument("--tasks", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=4, help="approving clients")
    parser.add_argument(
        "--readers", type=int, default=None, help="inbox-reading clients (default: --clients)"
    )
    parser.add_argument("--web", default="1,2", help="gunicorn process counts to measure, e.g. 1,2 or 4")
    parser.add_argument("--bg", default="1,2", help="background worker counts to measure, e.g. 1,2 or 1")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--src", default="")
    parser.add_argument("--port", type=int, default=0, help="the server's port (default: a free one)")
    parser.add_argument(
        "--profile", action="store_true", help="profile the API's start and approval instead of the load"
    )
    parser.add_argument("--child", choices=("tokens", "profile"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "tokens":
        tokens()
        return
    if args.child == "profile":
        profile(50)
        return
    args.keep = False
    readers = args.clients if args.readers is None else args.readers
    webs = [int(n) for n in args.web.split(",")]
    bgs = [int(n) for n in args.bg.split(",")]
    env = base.environment(args)
    env["YUNYING_HUEY_IMMEDIATE"] = "0"
    env["YUNYING_QUEUE_NAME"] = args.db
    subprocess.run(["redis-cli", "-u", args.redis_url, "FLUSHDB"], check=False, capture_output=True)
    base.database(args, "create")
    rows = []
    try:
        out = subprocess.run(
            [
                sys.executable,
                str(HERE / "bench_inbox_load.py"),
                "--child",
                "setup",
                "--tasks",
                str(args.tasks),
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        lines = [line for line in out.stdout.splitlines() if line.startswith("SETUP ")]
        if not lines:
            raise SystemExit(f"setup failed:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")
        cookie = json.loads(lines[0][6:])["session"]
        if args.profile:
            subprocess.run(
                [sys.executable, __file__, "--child", "profile", "--redis-url", args.redis_url],
                env=env,
                check=True,
            )
            return
        out = subprocess.run(
            [sys.executable, __file__, "--child", "tokens", "--redis-url", args.redis_url],
            env=env,
            capture_output=True,
            text=True,
        )
        toks = json.loads(next(x for x in out.stdout.splitlines() if x.startswith("TOKENS "))[7:])
        for web in webs:
            for workers in bgs:
                port = args.port or base.free_port()
                server = base.gunicorn(env, port, web, args.threads)
                bg = [
                    subprocess.Popen(
                        [sys.executable, "-m", "yunying.cli", "worker"],
                        env=env,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                    for _ in range(workers)
                ]
                try:
                    base.wait_for(port, cookie)
                    mixed(port, cookie, toks, args.clients, readers, 1)  # warm-up
                    # The CPU the server side spends (gunicorn workers, background workers, their database
                    # backends; read from /proc): other work on the machine disturbs it less than rates.
                    groups = {
                        "web": base._children(server.pid),
                        "bg": [p.pid for p in bg],
                        "db": base._backends(args),
                    }
                    before = {name: base.cpu_seconds(pids) for name, pids in groups.items()}
                    result = mixed(port, cookie, toks, args.clients, readers, args.seconds)
                    t0 = time.perf_counter()
                    while queued(env) and time.perf_counter() - t0 < 120:
                        time.sleep(0.5)
                    result["drain_s"] = time.perf_counter() - t0
                    for name, pids in groups.items():  # with the delivery of what was queued
                        result[f"cpu_{name}_s"] = base.cpu_seconds(pids) - before[name]
                    result["cpu_s"] = sum(result[f"cpu_{name}_s"] for name in groups)
                    rows.append((web, workers, result))
                finally:
                    server.terminate()
                    for p in bg:
                        p.terminate()
                    server.wait(timeout=30)
                    for p in bg:
                        p.wait(timeout=30)
    finally:
        base.database(args, "drop")
        subprocess.run(["redis-cli", "-u", args.redis_url, "FLUSHDB"], check=False, capture_output=True)
    print(
        f"scale-out: {args.clients} approving + {readers} reading clients, {args.seconds:g} s per configuration,"
        f" PostgreSQL + Redis, gunicorn --threads {args.threads}; {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.1f}"
    )
    per = toks["statements"]
    print(
        f"SQL statements per instance over the API: {per['start'] + per['approve']}"
        f" (start {per['start']}, approval {per['approve']})"
    )
    print(
        f"{'web procs':>9}{'workers':>9}{'instances/s':>13}{'p99 ms':>9}{'call p50':>9}{'call p99':>9}"
        f"{'reads/s':>9}{'drain s':>9}{'CPU ms':>8}{'errors':>8}"
    )
    for web, workers, r in rows:
        print(
            f"{web:>9}{workers:>9}{r['approvals_per_s']:>13.1f}{r['approval_p99_ms']:>9.0f}"
            f"{r['call_p50_ms']:>9.0f}{r['call_p99_ms']:>9.0f}"
            f"{r['reads_per_s']:>9.0f}{r['drain_s']:>9.1f}"
            f"{r['cpu_s'] * 1000 / max(r['approvals'], 1):>8.1f}{r['errors']:>8}"
        )
    for web, workers, r in rows:
        ms = 1000 / max(r["approvals"], 1)
        print(
            f"  CPU ms per instance, {web} web / {workers} workers: gunicorn {r['cpu_web_s'] * ms:.1f},"
            f" background {r['cpu_bg_s'] * ms:.1f}, PostgreSQL {r['cpu_db_s'] * ms:.1f}"
        )
    one = rows[0][2]
    for web, workers, r in rows[1:]:
        print(
            f"  {web} web / {workers} workers vs {rows[0][0]}/{rows[0][1]}: instances ×{r['approvals_per_s'] / one['approvals_per_s']:.2f},"
            f" reads ×{r['reads_per_s'] / max(one['reads_per_s'], 1e-9):.2f}"
        )


if __name__ == "__main__":
    main()
