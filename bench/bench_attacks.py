"""The attacks of the hardening review, each against the current code: the time it costs and the peak memory
(tracemalloc) of the request that carries it, in-process, on a fresh SQLite database with the demo chain.

    .venv/bin/python bench/bench_attacks.py            # all attacks, the XLSX bomb inflating to 300 MB
    .venv/bin/python bench/bench_attacks.py --bomb-mb 50

Each line: the attack, the answer (HTTP status), seconds, peak MB allocated while it was handled, and what
the server read of the body (bytes) where that matters.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
MB = 1024 * 1024


def _setup() -> None:
    os.environ.setdefault("YUNYING_DATA_DIR", tempfile.mkdtemp(prefix="yy-bench-attacks-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yunying.settings")
    os.environ["YUNYING_INSECURE_COOKIES"] = "1"
    import logging

    import django

    django.setup()
    logging.getLogger("django.request").setLevel(logging.CRITICAL)  # the 4xx answers are the point
    from django.core.management import call_command

    from yunying.seed.demo import demo_load

    call_command("migrate", verbosity=0)
    demo_load(with_sales=False)


def _measure(name: str, run: Callable[[], tuple[int, str]], *, warm: bool = True) -> None:
    """Time and peak allocation of `run`, after one unmeasured run (imports and caches are not the attack)."""
    if warm:
        run()
    tracemalloc.start()
    started = time.perf_counter()
    status, note = run()
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{name:<58} {status:>4} {elapsed:8.3f} s {peak / MB:8.1f} MB  {note}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bomb-mb", type=int, default=300, help="what the XLSX bomb inflates to")
    args = parser.parse_args()
    _setup()
    from django.test import Client

    from yunying.accounts.models import User
    from yunying.web.tests.attacks import CountingPayload, multipart, nested_json, xlsx_bomb

    def client(username: str) -> Client:
        c = Client(REMOTE_ADDR="10.0.0.1")
        c.force_login(User.objects.get(username=username))
        return c

    waiter, manager = client("staff01"), client("mgmt")

    def post(c: Client, path: str, body: bytes, content_type: str) -> tuple[int, str]:
        payload = CountingPayload(body)
        response = c.generic(
            "POST",
            path,
            b"x",
            content_type=content_type,
            CONTENT_LENGTH=str(len(body)),
            **{"wsgi.input": payload},
        )
        return response.status_code, f"read {payload.read_bytes} of {len(body)} bytes"

    bomb = xlsx_bomb(args.bomb_mb)
    bomb_body, bomb_type = multipart({"kind": "stores"}, {"file": ("bomb.xlsx", bomb)})
    big_csv = b"\xe9\x97\xa8\xe5\xba\x97\xe7\xbc\x96\xe7\xa0\x81,x,y\n" + b"S99,a,b\n" * (100 * MB // 8)
    big_body, big_type = multipart({"kind": "stores"}, {"file": ("big.csv", big_csv)})
    field = ('门店编码,门店名称,所在地区\nN1,"' + "x" * (200 * 1024) + '",浦东\n').encode()
    field_body, field_type = multipart({"kind": "stores"}, {"file": ("long.csv", field)})
    print(
        f"XLSX bomb: {len(bomb) / 1024:.0f} KB inflating to {args.bomb_mb} MB; CSV: {len(big_csv) / MB:.0f} MB"
    )
    print(f"{'attack':<58} {'HTTP':>4} {'time':>10} {'peak':>11}")
    _measure(
        "XLSX bomb to /org/import/ as a waiter", lambda: post(waiter, "/org/import/", bomb_body, bomb_type)
    )
    _measure(
        "XLSX bomb to /org/import/ as the manager",
        lambda: post(manager, "/org/import/", bomb_body, bomb_type),
    )
    _measure(
        "100 MB CSV to /org/import/ as the manager", lambda: post(manager, "/org/import/", big_body, big_type)
    )
    _measure(
        "CSV with a 200 KB field to /org/import/",
        lambda: post(manager, "/org/import/", field_body, field_type),
    )
    _measure(
        "XLSX bomb to /analytics/import/ as a waiter",
        lambda: post(waiter, "/analytics/import/", bomb_body, bomb_type),
    )
    _measure(
        "JSON nested 600 levels to POST /api/workflow/instances",
        lambda: post(manager, "/api/workflow/instances", nested_json(600), "application/json"),
    )
    huge = b'{"key": "purchase", "data": {"x": "' + b"a" * (30 * MB) + b'"}}'
    _measure(
        "30 MB JSON to POST /api/workflow/instances",
        lambda: post(manager, "/api/workflow/instances", huge, "application/json"),
    )

    def offset() -> tuple[int, str]:
        return manager.get("/api/workflow/tasks", {"offset": "9" * 20}).status_code, ""

    _measure("GET /api/workflow/tasks?offset=10^20", offset)

    def spray() -> tuple[int, str]:
        names = [f"store{i:02d}" for i in range(1, 18)] + [f"staff{i:02d}" for i in range(1, 18)]
        statuses = [
            Client(REMOTE_ADDR="203.0.113.9")
            .post("/login/", {"username": n, "password": "123456"})
            .status_code
            for n in names
        ]
        owner = Client(REMOTE_ADDR="10.0.0.9").post(
            "/login/", {"username": "store01", "password": "yunying-demo"}
        )
        return (
            owner.status_code,
            f"attacker: {statuses.count(429)} of {len(statuses)} refused (429); owner below",
        )

    _measure("password spraying 34 usernames from one address", spray, warm=False)

    def export() -> tuple[int, str]:
        from yunying.org.models import Employee

        Employee.objects.filter(pk__in=Employee.objects.values("pk")[:50]).update(
            name='=HYPERLINK("http://x")'
        )
        response = manager.get("/org/export/employees.xlsx")
        return response.status_code, f"{len(response.content) / 1024:.0f} KB, names written as text"

    _measure("people export with formula names", export)


if __name__ == "__main__":
    main()
