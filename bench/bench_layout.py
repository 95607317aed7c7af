"""The fixed cost of the base layout: SQL statements, URL reversals and time per request, in process.

    .venv/bin/python bench/bench_layout.py                              # SQLite and PostgreSQL
    .venv/bin/python bench/bench_layout.py --before /tmp/old/src        # also the same on other code
    .venv/bin/python bench/bench_layout.py --db sqlite --profile        # and a cProfile of one request

For each database (a fresh SQLite file; PostgreSQL `--pg-db` at --pg-url, created and dropped) a child process
builds a small chain (`--stores` stores, a store manager, a supervisor, the general manager), imports
`--days` days of sales (so the monthly report is cached after its first view), then serves, through Django's
test client, the home page and the monthly analysis page (its report cached) to each of them, and `/healthz`
(no layout) as the baseline: the statements and URL reversals of one request, and the median wall and CPU
time (of this process: not the PostgreSQL server's) of
`--requests` requests after three warm-up requests (and the fastest). With `--before`, the same child runs
on that checkout's src/ at the same time as this one's (each on its own database), for before/after
figures measured in the same run and conditions.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from harness import run_child

ROOT = Path(__file__).resolve().parent.parent
PAGES = (("healthz", "/healthz"), ("home", "/"), ("monthly", "/analytics/monthly/"))
USERS = (("store", "STORE-MGR"), ("supervisor", "SUPERVISOR"), ("gm", "GM"))


def child(args: argparse.Namespace) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yunying.settings")
    sys.path.insert(0, str(Path(args.src).resolve()))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls.resolvers import URLResolver

    from bench_analytics import _setup_org
    from yunying.analytics.services import sales_import_file
    from yunying.org.factories import person_with_login
    from yunying.org.models import OrgUnit

    call_command("migrate", verbosity=0, interactive=False)
    _setup_org(args.stores, 20)
    data = json.loads(args.data)
    for kind in ("stores", "products"):
        assert sales_import_file(actor=None, path=Path(data[f"{kind}_csv"])).status == "done"
    units = {"STORE-MGR": "B0000", "SUPERVISOR": "D-MGMT", "GM": "BC"}
    users = {
        name: person_with_login(name, code, OrgUnit.objects.get(code=units[code])) for name, code in USERS
    }

    reversals = [0]
    original = URLResolver._reverse_with_prefix

    def counting(self: Any, *a: Any, **kw: Any) -> Any:
        reversals[0] += 1
        return original(self, *a, **kw)

    URLResolver._reverse_with_prefix = counting  # type: ignore[method-assign]
    result: dict[str, Any] = {"db": connection.vendor}
    log = open(args.log, "w") if args.log else None  # noqa: SIM115
    for name, _code in USERS:
        client = Client()
        client.force_login(users[name])
        for page, path in PAGES:
            for _ in range(3):  # warm: the report cached, the process's memos filled
                assert client.get(path).status_code == 200, (name, path)
            reversals[0] = 0
            with CaptureQueriesContext(connection) as captured:
                client.get(path)
            one = {"statements": len(captured), "reversals": reversals[0]}
            if log is not None:
                print(
                    f"-- {name} {path}",
                    *(q["sql"][:200] for q in captured.captured_queries),
                    sep="\n",
                    file=log,
                )
            times, cpu = [], []
            for _ in range(args.requests):
                t0, c0 = time.perf_counter(), time.process_time()
                client.get(path)
                times.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
            result[f"{name} {page}"] = {
                **one,
                "median_ms": statistics.median(times) * 1000,
                "min_ms": min(times) * 1000,
                "cpu_ms": statistics.median(cpu) * 1000,
            }
            if args.profile and page == "monthly" and name == "store":
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                profiler.runcall(client.get, path)
                pstats.Stats(profiler, stream=log).sort_stats("cumulative").print_stats(40)
    if log is not None:
        log.close()
    print("RESULT " + json.dumps(result), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument(
        "--pg-url", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument(
        "--pg-db", default=f"bench_layout_{os.getpid()}", help="created and dropped for the run"
    )
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench-layout")
    parser.add_argument("--stores", type=int, default=30)
    parser.add_argument("--days", type=int, default=400)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--src", default=str(ROOT / "src"), help=argparse.SUPPRESS)
    parser.add_argument("--before", default="", help="another checkout's src/, measured first (before/after)")
    parser.add_argument(
        "--profile", action="store_true", help="a cProfile of the store manager's monthly page"
    )
    parser.add_argument("--verbose", action="store_true", help="the statements of each page")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data", default="", help=argparse.SUPPRESS)
    parser.add_argument("--log", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.profile = args.profile and bool(args.log)
        child(args)
        return
    from bench_analytics import generate

    end = date.today().replace(day=1) - timedelta(days=1)  # the last complete month
    data = generate(args.workdir / "data", args.stores, args.days, 20, end, line_count=1)
    sources = [("before", args.before), ("after", args.src)] if args.before else [("now", args.src)]
    for db in args.db.split(","):
        # Before and after side by side, at the same time: a shared machine's load falls on both alike.
        with ThreadPoolExecutor(len(sources)) as pool:
            runs = [pool.submit(_run, args, db, label, src, data) for label, src in sources]
            results = {label: run.result() for (label, _src), run in zip(sources, runs, strict=True)}
        _report(db, results)


def _run(args: argparse.Namespace, db: str, label: str, src: str, data: dict[str, Any]) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", "--src", src, "--data", json.dumps(data),
               "--stores", str(args.stores), "--requests", str(args.requests),
               *(["--profile"] if args.profile else [])]  # fmt: skip
    if args.profile or args.verbose:
        command += ["--log", str(args.workdir / f"{db}-{label}.txt")]
        print(f"{db} {label}: statements and profile in {command[-1]}")
    result, _seconds = run_child(
        db, command, workdir=args.workdir / label, pg_url=args.pg_url, pg_db=f"{args.pg_db}_{label}"
    )
    return result  # type: ignore[no-any-return]


def _report(db: str, results: dict[str, dict[str, Any]]) -> None:
    labels = list(results)
    print(
        f"\n{db}: statements, URL reversals, median and fastest wall ms, median CPU ms (this process) per request ({', '.join(labels)})"
    )
    header = f"{'user page':<22}" + "".join(
        f"{label + ' stmts':>14}{'rev':>6}{'ms':>8}{'min':>7}{'cpu':>7}" for label in labels
    )
    print(header + "\n" + "-" * len(header))
    for key in (k for k in results[labels[0]] if k != "db"):
        cells = "".join(
            f"{r[key]['statements']:>14}{r[key]['reversals']:>6}{r[key]['median_ms']:>8.2f}{r[key]['min_ms']:>7.2f}{r[key]['cpu_ms']:>7.2f}"
            for r in results.values()
        )
        ratio = ""
        if len(labels) == 2:
            before, after = results["before"][key], results["after"][key]
            ratio = "  " + " ".join(
                f"{name} x{after[field] / before[field]:.2f}"
                for name, field in (("wall", "median_ms"), ("min", "min_ms"), ("cpu", "cpu_ms"))
            )
        print(f"{key:<22}{cells}{ratio}")


if __name__ == "__main__":
    main()
