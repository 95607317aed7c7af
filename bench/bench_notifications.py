"""The notification outbox: 10,000 queued notifications delivered through a local robot receiver, beside
the floor of posting the same messages straight to that receiver (no database) in the same run.

    .venv/bin/python bench/bench_notifications.py                      # SQLite and PostgreSQL, 10,000
    .venv/bin/python bench/bench_notifications.py --count 1000 --db sqlite
    .venv/bin/python bench/bench_notifications.py --pg-url postgres://postgres@127.0.0.1:5432/mydb

For each database (a fresh SQLite file; the PostgreSQL database at --pg-url, migrated, its outbox emptied
first) in a child process:
  enqueue     ``notify()`` for --count events to a WeCom robot, 100 per transaction (the outbox rows);
  deliver     the worker's ``deliveries_send_due()`` until the outbox is empty: one message per event
              (digest of 1), then again with digests of 10 events per message;
  floor       the same number of posts straight to the receiver with urllib (no database, no claims).
The robot's rate limit is lifted for the run (a real WeCom robot takes 20 a minute).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _floor(url: str, count: int) -> float:
    body = json.dumps({"msgtype": "markdown", "markdown": {"content": "x" * 120}}).encode()
    t0 = time.perf_counter()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    for _ in range(count):
        request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
        with opener.open(request, timeout=10) as response:
            response.read()
    return time.perf_counter() - t0


def child(args: argparse.Namespace) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yunying.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", verbosity=0, interactive=False)
    from yunying.notifications import outbox, services
    from yunying.notifications.models import Delivery, DeliveryState, Robot
    from yunying.notifications.secrets import seal
    from yunying.notifications.tests.receiver import receiver
    from yunying.seed.services import seed_defaults

    seed_defaults()
    Delivery.objects.all().delete()
    Robot.objects.filter(name="bench").delete()
    result: dict[str, float] = {}
    with receiver("/cgi-bin/webhook/send?key=bench", record=False) as hook:
        robot = Robot.objects.create(
            name="bench",
            platform="wecom",
            url_encrypted=seal(hook.url),
            url_hint="bench",
            kinds=["overdue"],
            rate_per_minute=10**9,
            digest_max=1,
        )
        services.cache_clear()
        for digest in (1, 10):
            Robot.objects.filter(pk=robot.pk).update(digest_max=digest, recent_sends=[], last_message_at=None)
            t0 = time.perf_counter()
            for start in range(0, args.count, 100):
                with transaction.atomic():
                    for i in range(start, min(start + 100, args.count)):
                        services.notify([], kind="overdue", message=f"S{i % 500:03d} 冷库维修 已超时 #{i}")
            result[f"enqueue_{digest}"] = time.perf_counter() - t0
            before = hook.count
            t0 = time.perf_counter()
            while Delivery.objects.filter(state=DeliveryState.PENDING).exists():
                outbox.deliveries_send_due()
            result[f"deliver_{digest}"] = time.perf_counter() - t0
            result[f"posts_{digest}"] = hook.count - before
            sent = Delivery.objects.filter(state=DeliveryState.SENT).count()
            assert sent == args.count, f"{sent} of {args.count} sent"
            Delivery.objects.all().delete()
        result["floor"] = _floor(hook.url, args.count)
    Robot.objects.filter(pk=robot.pk).delete()
    print("RESULT " + json.dumps(result))


def run_db(db: str, args: argparse.Namespace) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), YUNYING_DATA_DIR=str(ROOT / f"var/bench-notif-{db}"))
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env["YUNYING_HUEY_IMMEDIATE"] = "0"  # the outbox is drained by this script, not by queued tasks
    env["YUNYING_ROBOT_ALLOW_HTTP_LOOPBACK"] = "1"
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(ROOT / f"var/bench-notif-sqlite/yunying.sqlite3{suffix}").unlink(missing_ok=True)
    else:
        env["DATABASE_URL"] = args.pg_url
    cmd = [sys.executable, __file__, "--child", "--count", str(args.count)]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    lines = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
    if not lines:
        raise SystemExit(f"{db} failed:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")
    return json.loads(lines[0][7:])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=10_000, help="notifications per run")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/yunying_bench_notifications")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if args.db != "sqlite":
        base, name = args.pg_url.rsplit("/", 1)
        subprocess.run(["psql", f"{base}/postgres", "-qc", f"CREATE DATABASE {name}"], capture_output=True)
    dbs = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    print(f"{args.count:,} notifications to one local robot receiver; {os.cpu_count()} CPUs")
    results = {db: run_db(db, args) for db in dbs}
    rows = [
        ("enqueue: notify() in transactions of 100 (s)", "enqueue_1"),
        ("deliver, one message per event (s)", "deliver_1"),
        ("  posts", "posts_1"),
        ("deliver, digests of 10 events (s)", "deliver_10"),
        ("  posts", "posts_10"),
        ("floor: the same posts with urllib, no database (s)", "floor"),
    ]
    print(f"{'':<52}" + "".join(f"{db:>12}" for db in results))
    for label, key in rows:
        print(f"{label:<52}" + "".join(f"{results[db][key]:>12.2f}" for db in results))
    for db, r in results.items():
        print(
            f"{db}: delivery {r['deliver_1'] / r['floor']:.2f}× the floor; {args.count / r['deliver_1']:.0f} messages/s"
        )


if __name__ == "__main__":
    main()
