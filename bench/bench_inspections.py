"""Store inspections at scale: 300 stores × 2 years of visits (about 15,000 visits, 600,000 item answers,
their findings and rectification trail), the half-monthly bulletin, the monthly evaluation and the phone visit
page, each beside a baseline measured in the same run.

    .venv/bin/python bench/bench_inspections.py                       # 300 stores × 24 months, both databases
    .venv/bin/python bench/bench_inspections.py --stores 30 --months 6
    .venv/bin/python bench/bench_inspections.py --db postgres --no-browser

For each database (a SQLite file in --workdir; PostgreSQL at --pg-url) in a fresh child process:
  build        the history written with bulk inserts (`yunying.inspections.bulk_history`): rows per second;
  bulletin     `bulletin_compile` of the last complete half month over every store (as the operations
               manager), median of --runs after a warm-up, and its SQL statements; beside the bare grouped
               COUNT/AVG of that half month's visits;
  evaluation   `evaluations_compute` of the month before last (first grading), of last month (first grading,
               with the demotion recommendations of stores failing both), and of last month again (median of
               --runs); beside the bare grouped AVG of that month's visits;
  visit page   served by a gunicorn worker (one process, one thread) to a phone (its user agent), as the
               supervisor: a visit in progress (the visit form) and a submitted visit's report with its
               findings and the store's last visits, median and p95 of --requests calls, each interleaved with
               /healthz on the same worker (the baseline), and the SQL statements of one request;
  browser      with --browser (default): the same two pages opened in Debian's Chromium at a phone viewport
               (390×844, touch), a fresh context each time: time to first byte, DOMContentLoaded and load
               (median of --browser-runs), beside the login page.
Targets (issue 14): the bulletin under 2 s, the month's evaluation under 5 s, the visit page under 300 ms.

The PostgreSQL database is created and dropped under a name of its own (`--pg-db`, by default
yybench_inspections_<pid>); nothing else is touched. The server listens on --port (loopback only).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from harness import run_child

ROOT = Path(__file__).resolve().parent.parent
PHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
CHROMIUM = os.environ.get("YUNYING_CHROMIUM", "/usr/bin/chromium")


def _median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def _p95_ms(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000


def _timed(fn: Any, runs: int) -> tuple[float, int, Any, float]:
    """Median seconds of ``runs`` calls after a warm-up, the SQL statements of one call, the last result, and
    the median CPU seconds of this process per call (what the machine's other load does not inflate)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        result = fn()
    times, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(times), len(queries), result, statistics.median(cpu)


def _sql_ms(sql: str, params: list[Any], runs: int) -> float:
    from django.db import connection

    times = []
    with connection.cursor() as cursor:
        for _ in range(runs + 1):
            t0 = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            times.append(time.perf_counter() - t0)
    return _median_ms(times[1:])


def child(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yunying.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from yunying.core import clock
    from yunying.inspections.bulk_history import history_build
    from yunying.inspections.bulletin import Period, bulletin_compile
    from yunying.inspections.models import Finding, FindingEvent, QualityEvaluation, Visit, VisitAnswer
    from yunying.inspections.quality import evaluations_compute, month_end, month_start, previous_month
    from yunying.seed.services import seed_defaults

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    seed_defaults()
    result: dict[str, Any] = {"vendor": connection.vendor}
    t0 = time.perf_counter()
    history = history_build(stores=args.stores, months=args.months)
    result["build_s"] = time.perf_counter() - t0
    result["visits"] = Visit.objects.count()
    result["answers"] = VisitAnswer.objects.count()
    result["findings"] = Finding.objects.count()
    result["events"] = FindingEvent.objects.count()
    result["span"] = f"{history.first_day} – {history.last_day}"
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # both databases: the planner sees the history's real sizes

    period = Period.of(clock.today()).previous()
    seconds, queries, bulletin, cpu = _timed(
        lambda: bulletin_compile(user=history.ops_manager, period=period), args.runs
    )
    result["bulletin"] = {
        "period": period.key,
        "ms": seconds * 1000,
        "cpu_ms": cpu * 1000,
        "queries": queries,
        "visits": bulletin.visits,
        "visited": len(bulletin.visited),
        "findings": bulletin.rectification["total"],
        "baseline_ms": _sql_ms(
            "SELECT store_id, COUNT(*), AVG(score) FROM inspections_visit WHERE status = %s "
            "AND visited_on BETWEEN %s AND %s GROUP BY store_id",
            ["submitted", period.start, period.end],
            args.runs,
        ),
    }

    last = previous_month(month_start(clock.today()))
    before = previous_month(last)
    evaluation: dict[str, Any] = {"month": f"{last:%Y-%m}"}
    t0 = time.perf_counter()
    evaluations_compute(actor=history.mgmt_head, month=before)
    evaluation["before_ms"] = (time.perf_counter() - t0) * 1000
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        t0 = time.perf_counter()
        run = evaluations_compute(actor=history.mgmt_head, month=last)
        evaluation["first_ms"] = (time.perf_counter() - t0) * 1000
    evaluation["first_queries"] = len(captured)
    evaluation["failed"], evaluation["raised"] = run.failed, run.recommendations
    seconds, queries, again, cpu = _timed(
        lambda: evaluations_compute(actor=history.mgmt_head, month=last), args.runs
    )
    evaluation["again_ms"], evaluation["again_queries"] = seconds * 1000, queries
    evaluation["again_cpu_ms"] = cpu * 1000
    evaluation["again_raised"] = again.recommendations
    evaluation["rows"] = QualityEvaluation.objects.filter(month=last).count()
    evaluation["baseline_ms"] = _sql_ms(
        "SELECT store_id, COUNT(*), AVG(score) FROM inspections_visit WHERE status = %s "
        "AND visited_on BETWEEN %s AND %s GROUP BY store_id",
        ["submitted", last, month_end(last)],
        args.runs,
    )
    result["evaluation"] = evaluation
    result["pages"] = _pages(args, history)
    print("RESULT " + json.dumps(result), flush=True)


def _session(user: Any) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "yunying.accounts.backends.ThrottledModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return str(session.session_key)


def _pages(args: argparse.Namespace, history: Any) -> dict[str, Any]:
    """The phone visit pages through a real server; their SQL counted in-process first."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from yunying.inspections import services
    from yunying.inspections.models import ChecklistTemplate, Visit, VisitStatus

    supervisor = history.supervisors[0]
    store = history.stores[len(history.stores) // 2]
    qsc = ChecklistTemplate.objects.get(key="qsc")
    draft = services.visit_create(actor=supervisor, store=store, template=qsc)
    report = (
        Visit.objects.filter(status=VisitStatus.SUBMITTED, version__template=qsc, findings__isnull=False)
        .order_by("-visited_on", "-pk")
        .first()
    )
    assert report is not None
    targets = {
        "visit form": f"/inspections/visits/{draft.pk}/",
        "visit report": f"/inspections/visits/{report.pk}/",
    }
    result: dict[str, Any] = {"findings_on_report": report.findings.count()}
    client = Client(HTTP_USER_AGENT=PHONE_UA)
    client.force_login(supervisor)
    for name, path in targets.items():
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        statements = len(queries)  # now: each request empties the connection's query log
        assert response.status_code == 200, (name, response.status_code)
        seconds, _queries, _response, cpu = _timed(lambda path=path: client.get(path), args.runs)
        result[name] = {
            "path": path,
            "queries": statements,
            "kb": len(response.content) / 1024,
            "inprocess_ms": seconds * 1000,
            "cpu_ms": cpu * 1000,
        }

    session = _session(supervisor)
    env = {**os.environ, "YUNYING_INSECURE_COOKIES": "1", "PYTHONPATH": str(ROOT / "src")}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "yunying.wsgi:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            "1",
            "--threads",
            "1",
            "--timeout",
            "120",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.5)
        headers = {"Cookie": f"sessionid={session}", "User-Agent": PHONE_UA}
        for name, path in targets.items():
            timings, baseline = [], []
            for i in range(args.requests + 3):
                t0 = time.perf_counter()
                try:
                    urllib.request.urlopen(urllib.request.Request(base + "/healthz"), timeout=60).read()
                except urllib.error.HTTPError as exc:
                    exc.read()
                health = time.perf_counter() - t0
                request = urllib.request.Request(base + path, headers=headers)
                t0 = time.perf_counter()
                with urllib.request.urlopen(request, timeout=60) as response:
                    response.read()
                    assert response.status == 200 and "/login" not in response.url, (name, response.url)
                if i >= 3:  # the first calls warm the worker up
                    timings.append(time.perf_counter() - t0)
                    baseline.append(health)
            result[name].update(
                median_ms=_median_ms(timings),
                p95_ms=_p95_ms(timings),
                healthz_ms=_median_ms(baseline),
            )
        if args.browser:
            result["browser"] = _browser(base, session, targets, args.browser_runs)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return result


def _browser(base: str, session: str, targets: dict[str, str], runs: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    script = (
        "() => { const n = performance.getEntriesByType('navigation')[0];"
        " return [n.responseStart - n.requestStart, n.domContentLoadedEventEnd, n.loadEventEnd]; }"
    )
    found: dict[str, Any] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage"],
        )
        try:
            pages = {**targets, "login page (baseline)": "/login/"}
            for name, path in pages.items():
                loads = []
                for _ in range(runs + 1):
                    context = browser.new_context(
                        base_url=base,
                        locale="zh-CN",
                        viewport={"width": 390, "height": 844},
                        device_scale_factor=3,
                        is_mobile=True,
                        has_touch=True,
                        user_agent=PHONE_UA,
                    )
                    if not path.startswith("/login"):
                        context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
                    page = context.new_page()
                    page.goto(path, wait_until="load")
                    loads.append(page.evaluate(script))
                    context.close()
                loads = loads[1:]  # the first opens the browser's own caches
                found[name] = {
                    "ttfb_ms": statistics.median(load[0] for load in loads),
                    "dcl_ms": statistics.median(load[1] for load in loads),
                    "load_ms": statistics.median(load[2] for load in loads),
                }
        finally:
            browser.close()
    return found


def _ok(ms: float, target_ms: float) -> str:
    return "OK" if ms < target_ms else "SLOW"


def _report(db: str, r: dict[str, Any], total: float) -> None:
    print(f"\n== {db} ({r['vendor']}), run {total:.0f} s")
    rows = r["visits"] + r["answers"] + r["findings"] + r["events"]
    print(
        f"history {r['span']}: {r['visits']:,} visits, {r['answers']:,} answers, {r['findings']:,} findings, "
        f"{r['events']:,} trail events built in {r['build_s']:.1f} s ({rows / r['build_s']:,.0f} rows/s)"
    )
    b = r["bulletin"]
    print(
        f"bulletin {b['period']} ({b['visits']} visits, {b['visited']} stores visited, {b['findings']} findings): "
        f"{b['ms']:.0f} ms (CPU {b['cpu_ms']:.0f} ms), {b['queries']} queries  target < 2000 ms  "
        f"{_ok(b['ms'], 2000)}"
    )
    print(
        f"  baseline grouped COUNT/AVG of the half month: {b['baseline_ms']:.1f} ms; "
        f"bulletin is {b['ms'] / b['baseline_ms']:.0f}× the baseline"
    )
    e = r["evaluation"]
    print(
        f"evaluation {e['month']} ({e['rows']} stores, {e['failed']} failed, {e['raised']} recommendations "
        f"raised): first {e['first_ms']:.0f} ms ({e['first_queries']} queries), again {e['again_ms']:.0f} ms "
        f"(CPU {e['again_cpu_ms']:.0f} ms, {e['again_queries']} queries, {e['again_raised']} raised); the month before {e['before_ms']:.0f} ms  "
        f"target < 5000 ms  {_ok(max(e['first_ms'], e['again_ms']), 5000)}"
    )
    print(
        f"  baseline grouped AVG of the month: {e['baseline_ms']:.1f} ms; evaluation (again) is "
        f"{e['again_ms'] / e['baseline_ms']:.0f}× the baseline"
    )
    p = r["pages"]
    for name in ("visit form", "visit report"):
        page = p[name]
        print(
            f"{name:<12} {page['path']:<26} {page['kb']:6.1f} KB {page['queries']:3} queries  "
            f"median {page['median_ms']:6.1f} ms  p95 {page['p95_ms']:6.1f} ms  target < 300 ms  "
            f"{_ok(page['p95_ms'], 300)}  (/healthz {page['healthz_ms']:.1f} ms; "
            f"{page['median_ms'] / page['healthz_ms']:.1f}× the baseline)"
        )
        print(
            f"{'':<12} in-process (test client, no network) {page['inprocess_ms']:6.1f} ms, "
            f"CPU {page['cpu_ms']:6.1f} ms"
        )
    for name, load in p.get("browser", {}).items():
        print(
            f"  chromium 390×844 {name:<22} TTFB {load['ttfb_ms']:6.1f} ms  DOMContentLoaded "
            f"{load['dcl_ms']:6.1f} ms  load {load['load_ms']:6.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stores", type=int, default=300)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--browser", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--browser-runs", type=int, default=5)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument(
        "--pg-url", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument(
        "--pg-db",
        default=f"yybench_inspections_{os.getpid()}",
        help="database created (and dropped) for the run; its own name, nothing else is touched",
    )
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench-inspections")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not 1 <= args.months <= 60 or not 1 <= args.stores <= 5000:
        parser.error("--months must be 1–60 and --stores 1–5000")
    if args.child:
        child(args)
        return
    print(f"chain: {args.stores} stores × {args.months} months of visits", flush=True)
    for db in args.db.split(","):
        command = [sys.executable, __file__, "--child", *_forwarded(args)]
        result, seconds = run_child(db, command, workdir=args.workdir, pg_url=args.pg_url, pg_db=args.pg_db)
        _report(db, result, seconds)


def _forwarded(args: argparse.Namespace) -> list[str]:
    return [
        "--stores",
        str(args.stores),
        "--months",
        str(args.months),
        "--runs",
        str(args.runs),
        "--requests",
        str(args.requests),
        "--browser-runs",
        str(args.browser_runs),
        "--port",
        str(args.port),
        "--browser" if args.browser else "--no-browser",
    ]


if __name__ == "__main__":
    main()
