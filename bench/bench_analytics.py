"""Analytics at scale: import throughput and report latency, each beside a baseline measured in the same run.

    .venv/bin/python bench/bench_analytics.py                       # 300 stores × 730 days × 60 products
    .venv/bin/python bench/bench_analytics.py --stores 30 --days 365 # smaller
    .venv/bin/python bench/bench_analytics.py --db sqlite            # one database only
    .venv/bin/python bench/bench_analytics.py --imports-only         # the imports (and writes during them)
    .venv/bin/python bench/bench_analytics.py --src /tmp/old/src     # the same bench on other code

For each database (SQLite file; PostgreSQL at --pg-url) in a fresh child process:
  raw load    the product rows into a bare table the fastest way (PostgreSQL COPY, SQLite executemany in one
              transaction) — the floor for any importer; measured before and after the import, the mean
              taken (the load of a shared machine drifts);
  import      the same files through Yunying's importer (validation, idempotent replace, aggregates);
  latency     /api/analytics/monthly and /api/analytics/products (and the two pages) served by a gunicorn
              worker: median and p99 over --requests calls (the pages' months in turn: mostly first views;
              page_monthly_repeat: one month again and again, as after its first view), beside DuckDB
              aggregating the raw rows in memory, one query before each request (interleaved);
  memory      the peak RSS (VmHWM) of that web worker;
  order lines --lines POS order lines (several per ticket and product-day): the raw load of the file into a
              bare table beside Yunying's order-line import (summing to product-days and store-days), alone;
              then the same import again while other users write through the web worker (logins, approvals
              through the API): their median, p99 and failures.

The PostgreSQL database is created and dropped under a name of its own (`--pg-db`, by default
bench_analytics_<pid>); nothing else is touched.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from harness import run_child

ROOT = Path(__file__).resolve().parent.parent
CHANNELS = ("dine_in", "takeaway", "delivery")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _summary(values: list[float]) -> dict[str, float]:
    return {"median_ms": statistics.median(values) * 1000, "p99_ms": _percentile(values, 0.99) * 1000}


# ---- data -------------------------------------------------------------------------------------------------


def _generate_lines(path: Path, stores: int, products: int, end: date, target: int) -> int:
    """About `target` order lines: tickets of 1–4 lines over the stores and the last days, float amounts."""
    import numpy as np

    rng = np.random.default_rng(7)
    per_day = 40  # tickets per store and day
    lines_per_ticket = 2.5
    days = max(1, int(target / (max(stores, 1) * per_day * lines_per_ticket)))
    prices = rng.uniform(3, 60, products).round(2)
    channels = ("堂食", "外卖", "外带")
    written = 0
    number = 0
    with path.open("w") as handle:
        handle.write("store_code,ticket_id,date,product_code,qty,price,amount,channel\n")
        for d in range(days):
            day = (end - timedelta(days=days - d)).isoformat()
            out = []
            for s in range(stores):
                store = f"B{s:04d}"
                counts = rng.integers(1, 5, per_day)
                for t in range(per_day):
                    number += 1
                    channel = channels[t % 3]
                    for _ in range(counts[t]):
                        p = int(rng.integers(0, products))
                        qty = int(rng.integers(1, 4))
                        out.append(
                            f"{store},T{number:09d},{day} 12:00:00,P{p:03d},{qty},{prices[p]},"
                            f"{float(prices[p]) * qty!r},{channel}\n"
                        )
            handle.write("".join(out))
            written += len(out)
            if written >= target:
                break
    return written


def generate(
    folder: Path, stores: int, days: int, products: int, end: date, line_count: int = 1_000_000
) -> dict[str, object]:
    """Write stores.csv (store-day-channel rows) and products.csv (store-day-product rows), store by store."""
    import numpy as np

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(2026)
    start = end - timedelta(days=days - 1)
    dates = [(start + timedelta(days=i)).isoformat() for i in range(days)]
    codes = [f"P{i:03d}" for i in range(products)]
    prices = rng.uniform(5, 90, products).round(2)
    product_path, store_path = folder / "products.csv", folder / "stores.csv"
    t0 = time.perf_counter()
    with product_path.open("w") as pf, store_path.open("w") as sf:
        pf.write("store_code,date,product_code,qty,amount\n")
        sf.write("store_code,date,net_sales,tickets,customers,channel\n")
        for s in range(stores):
            store = f"B{s:04d}"
            qty = rng.poisson(rng.uniform(3, 30, products), size=(days, products)).astype(np.int64)
            qty[rng.random((days, products)) < 0.002] = -1  # returns
            amount = (qty * prices).round(2)
            lines = []
            for d, day in enumerate(dates):
                prefix = f"{store},{day},"
                lines.extend(f"{prefix}{codes[p]},{qty[d, p]},{amount[d, p]:.2f}\n" for p in range(products))
            pf.write("".join(lines))
            totals = amount.sum(axis=1)
            out = []
            for d, day in enumerate(dates):
                for channel, share in zip(CHANNELS, (0.6, 0.12, 0.28), strict=True):
                    sales = max(totals[d] * share, 0.0)
                    tickets = max(int(sales / 60), 1)
                    out.append(f"{store},{day},{sales:.2f},{tickets},{tickets * 2},{channel}\n")
            sf.write("".join(out))
    lines_path = folder / "lines.csv"
    line_rows = _generate_lines(lines_path, stores, products, end, line_count)
    return {
        "lines_csv": str(lines_path),
        "line_rows": line_rows,
        "products_csv": str(product_path),
        "stores_csv": str(store_path),
        "product_rows": stores * days * products,
        "store_rows": stores * days * 3,
        "generate_s": time.perf_counter() - t0,
        "csv_mb": (product_path.stat().st_size + store_path.stat().st_size) / 1e6,
    }


DUCK_MONTHLY = """
        SELECT store_code, date_trunc('month', date) AS m, SUM(net_sales), SUM(tickets), SUM(customers)
        FROM s WHERE date_trunc('month', date) IN (?::DATE, ?::DATE - INTERVAL 1 MONTH, ?::DATE - INTERVAL 12 MONTH)
        GROUP BY 1, 2"""
DUCK_PRODUCTS = """
        SELECT product_code, date_trunc('month', date) AS m, SUM(qty), SUM(amount), COUNT(DISTINCT store_code)
        FROM p WHERE date_trunc('month', date) IN (?::DATE, ?::DATE - INTERVAL 1 MONTH) GROUP BY 1, 2"""


def duckdb_latency(data: dict[str, object], months: list[str], runs: int) -> dict[str, object]:
    import duckdb

    con = duckdb.connect()
    t0 = time.perf_counter()
    con.execute(f"CREATE TABLE p AS SELECT * FROM read_csv_auto('{data['products_csv']}')")
    con.execute(f"CREATE TABLE s AS SELECT * FROM read_csv_auto('{data['stores_csv']}')")
    load = time.perf_counter() - t0
    monthly_sql, products_sql = DUCK_MONTHLY, DUCK_PRODUCTS
    result: dict[str, object] = {"load_s": load}
    for name, sql, n in (("monthly", monthly_sql, 3), ("products", products_sql, 2)):
        timings = []
        for i in range(runs):
            month = months[i % len(months)] + "-01"
            t = time.perf_counter()
            con.execute(sql, [month] * n).fetchall()
            timings.append(time.perf_counter() - t)
        result[name] = _summary(timings)
    return result


# ---- the child: one database -------------------------------------------------------------------------------


def _src(args: argparse.Namespace) -> Path:
    """The code measured: this checkout's src/, or another's (`--src`, for before/after figures)."""
    return Path(args.src).resolve() if args.src else ROOT / "src"


def child(args: argparse.Namespace) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yunying.settings")
    sys.path.insert(0, str(_src(args)))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0, interactive=False)
    data = json.loads(args.data)
    _setup_org(data["stores"], data["products"])
    result: dict[str, object] = {"db": connection.vendor}
    before = _raw_load(data["products_csv"], connection, transaction)
    from yunying.analytics.services import sales_import_file

    for kind in ("stores", "products"):
        t0 = time.perf_counter()
        done = sales_import_file(actor=None, path=Path(data[f"{kind}_csv"]))
        elapsed = time.perf_counter() - t0
        assert done.status == "done", (done.message, done.errors[:3])
        result[f"import_{kind}"] = {"rows": done.rows, "seconds": elapsed, "rows_per_s": done.rows / elapsed}
    # The baseline once before and once after the import: on a shared machine the load drifts.
    result["raw_load"] = _mean_load(before, _raw_load(data["products_csv"], connection, transaction))
    result["serve"] = _serve(args, data["months"], lines=data["lines_csv"], data=data)
    print("RESULT " + json.dumps(result), flush=True)


def _setup_org(stores: int, products: int) -> None:
    from yunying.analytics.models import Product
    from yunying.org.models import OrgUnit, UnitKind
    from yunying.seed.services import seed_defaults

    seed_defaults()
    company = OrgUnit.objects.create(kind=UnitKind.COMPANY, code="BC", name="压测连锁")
    mgmt = OrgUnit.objects.create(kind=UnitKind.DEPARTMENT, code="D-MGMT", name="运营管理部", parent=company)
    regions = [
        OrgUnit.objects.create(kind=UnitKind.REGION, code=f"BR{r:02d}", name=f"区域{r}", parent=mgmt)
        for r in range(max(1, stores // 10))
    ]
    OrgUnit.objects.bulk_create(
        OrgUnit(kind=UnitKind.STORE, code=f"B{s:04d}", name=f"门店{s}", parent=regions[s % len(regions)])
        for s in range(stores)
    )
    Product.objects.bulk_create(Product(code=f"P{i:03d}", name=f"商品{i}") for i in range(products))


RAW_PRODUCTS = (
    "store_code varchar(30), date date, product_code varchar(40), qty numeric(12,3), amount numeric(14,2)"
)
RAW_LINES = (
    "store_code varchar(30), ticket_id varchar(40), date timestamp, product_code varchar(40), "
    "qty numeric(12,3), price numeric(14,2), amount double precision, channel varchar(10)"
)


def _mean_load(*runs: dict[str, float]) -> dict[str, float]:
    seconds = statistics.mean(run["seconds"] for run in runs)
    rows = runs[0]["rows"]
    return {"rows": rows, "seconds": seconds, "rows_per_s": rows / seconds}


def _raw_load(path: str, connection, transaction, columns: str = RAW_PRODUCTS) -> dict[str, float]:  # type: ignore[no-untyped-def]
    import csv

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw")
        cursor.execute(f"CREATE TABLE bench_raw ({columns})")
    t0 = time.perf_counter()
    rows = 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with (
                connection.cursor() as cursor,
                cursor.copy("COPY bench_raw FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
                open(path, "rb") as handle,
            ):
                while chunk := handle.read(1 << 20):
                    copy.write(chunk)
            with connection.cursor() as cursor:
                cursor.execute("SELECT COUNT(*) FROM bench_raw")
                rows = cursor.fetchone()[0]
        else:
            raw = connection.connection
            with open(path, newline="") as handle:
                reader = csv.reader(handle)
                marks = ", ".join(["?"] * len(next(reader)))
                batch: list[list[str]] = []
                for row in reader:
                    batch.append(row)
                    if len(batch) >= 100_000:
                        raw.executemany(f"INSERT INTO bench_raw VALUES ({marks})", batch)
                        rows += len(batch)
                        batch = []
                raw.executemany(f"INSERT INTO bench_raw VALUES ({marks})", batch)
                rows += len(batch)
    elapsed = time.perf_counter() - t0
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_raw")
    return {"rows": rows, "seconds": elapsed, "rows_per_s": rows / elapsed}


BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:yunying="http://yunying.dev/schema/bpmn/1.0" id="Defs_bench" targetNamespace="http://yunying.dev/bench">
  <bpmn:process id="bench" name="压测审批" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="step" name="审批" yunying:assignee="user:bench"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="step"/>
    <bpmn:sequenceFlow id="f2" sourceRef="step" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def _writes_during(
    base: str, secret: str, tasks: list[int], users: list[str], busy: Any
) -> dict[str, object]:
    """Log in and approve, one after the other, while `busy()`: the latencies, and the requests that failed."""
    import http.cookiejar
    import re
    import urllib.error
    import urllib.parse

    timings: dict[str, list[float]] = {"login": [], "approve": []}
    failures: list[str] = []
    i = 0
    while busy():
        user = users[i % len(users)]
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        t0 = time.perf_counter()
        try:
            page = opener.open(f"{base}/login/", timeout=120).read().decode()
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
            form = urllib.parse.urlencode(
                {"username": user, "password": "bench-pass-1", "csrfmiddlewaretoken": token}
            ).encode()
            request = urllib.request.Request(
                f"{base}/login/", data=form, headers={"Referer": f"{base}/login/"}
            )
            with opener.open(request, timeout=120) as response:
                if "/login" in response.url:
                    failures.append(f"login {user}: not logged in")
            timings["login"].append(time.perf_counter() - t0)
        except (urllib.error.URLError, OSError) as exc:
            failures.append(f"login {user}: {exc}")
        if i < len(tasks):
            request = urllib.request.Request(
                f"{base}/api/workflow/tasks/{tasks[i]}/complete",
                data=json.dumps({"action": "approve"}).encode(),
                headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
                method="POST",
            )
            t0 = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=120) as response:
                    response.read()
                timings["approve"].append(time.perf_counter() - t0)
            except (urllib.error.URLError, OSError) as exc:
                failures.append(f"approve {tasks[i]}: {exc}")
        i += 1
    result: dict[str, object] = {"failures": len(failures), "first_failures": failures[:5]}
    for name, values in timings.items():
        result[name] = {"count": len(values), **(_summary(values) if values else {})}
    return result


def _serve(
    args: argparse.Namespace, months: list[str], *, lines: str, data: dict[str, Any]
) -> dict[str, object]:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection, transaction

    from yunying.accounts.models import User
    from yunying.accounts.services import token_create

    user = User.objects.create_superuser("bench", password="bench-pass-1")
    _token, secret = token_create(user=user, name="bench", days=1)
    users = [f"bench{i:02d}" for i in range(20)]
    others = [User.objects.create_user(name, password="bench-pass-1") for name in users]
    from yunying.workflow.services import definition_deploy, instance_start

    definition_deploy(actor=user, key="bench", name="压测审批", bpmn_xml=BPMN.encode())
    from yunying.workflow.models import TaskStatus, WorkTask

    for _ in range(400):  # requested by another login: nobody approves their own request
        instance_start(actor=others[0], key="bench", data={})
    tasks = list(
        WorkTask.objects.filter(status=TaskStatus.OPEN, element_id="step")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "yunying.accounts.backends.ThrottledModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    env = {**os.environ, "YUNYING_INSECURE_COOKIES": "1", "PYTHONPATH": str(_src(args))}
    port = args.port
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "yunying.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "1",
            "--timeout",
            "300",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        api_headers = {"Authorization": f"Bearer {secret}"}
        page_headers = {"Cookie": f"sessionid={session.session_key}"}
        targets = {
            "api_monthly": ("/api/analytics/monthly?month={m}", api_headers),
            "api_products": ("/api/analytics/products?month={m}", api_headers),
            "page_monthly": ("/analytics/monthly/?month={m}", page_headers),
            # The same month again and again: the page as people see it after the first view of an import.
            "page_monthly_repeat": ("/analytics/monthly/?month=" + months[0], page_headers),
            "page_products": ("/analytics/products/?month={m}", page_headers),
        }
        result: dict[str, object] = {}
        # The baseline interleaved with the requests (one DuckDB query, then one request): both meet the
        # same load of this shared machine.
        import duckdb

        duck = duckdb.connect()
        duck.execute(f"CREATE TABLE p AS SELECT * FROM read_csv_auto('{data['products_csv']}')")
        duck.execute(f"CREATE TABLE s AS SELECT * FROM read_csv_auto('{data['stores_csv']}')")
        for name, (path, headers) in ({} if args.imports_only else targets).items():
            timings, baseline = [], []
            sql, params = (DUCK_PRODUCTS, 2) if "products" in name else (DUCK_MONTHLY, 3)
            for i in range(args.requests + 3):
                month = months[0] if name.endswith("repeat") else months[i % len(months)]
                t0 = time.perf_counter()
                duck.execute(sql, [month + "-01"] * params).fetchall()
                if i >= 3:
                    baseline.append(time.perf_counter() - t0)
                request = urllib.request.Request(base + path.format(m=month), headers=headers)
                t0 = time.perf_counter()
                with urllib.request.urlopen(request, timeout=300) as response:
                    response.read()
                    assert response.status == 200 and "/login" not in response.url, (name, response.url)
                if i >= 3:  # the first calls warm the worker up
                    timings.append(time.perf_counter() - t0)
            result[name] = {**_summary(timings), "duckdb": _summary(baseline)}
        duck.close()
        result["worker_peak_rss_mb"] = _peak_rss_of_children(server.pid)
        before = _raw_load(lines, connection, transaction, RAW_LINES)
        result["lines_alone"] = _lines_import(base, secret, tasks, users, Path(lines), others_write=False)
        result["raw_lines"] = _mean_load(before, _raw_load(lines, connection, transaction, RAW_LINES))
        result["lines"] = _lines_import(base, secret, tasks, users, Path(lines))
        return result
    finally:
        server.terminate()
        server.wait(timeout=30)


def _lines_import(
    base: str, secret: str, tasks: list[int], users: list[str], path: Path, others_write: bool = True
) -> dict[str, object]:
    """The order-line import in this process (as the worker runs it) while a thread writes through the web
    (`others_write`), or alone: the rate set beside the raw load, measured alone too."""
    import threading

    from django.db import connection

    from yunying.analytics.services import sales_import_file

    done = threading.Event()
    writes: dict[str, object] = {}

    def client() -> None:
        try:
            writes.update(_writes_during(base, secret, tasks, users, lambda: not done.is_set()))
        except Exception as exc:  # reported, not lost with the thread
            writes.update({"failures": 1, "first_failures": [f"{type(exc).__name__}: {exc}"]})

    thread = threading.Thread(target=client)
    if others_write:
        thread.start()
    t0 = time.perf_counter()
    try:
        result = sales_import_file(actor=None, path=path)
    finally:
        elapsed = time.perf_counter() - t0
        done.set()
        if others_write:
            thread.join(600)
    assert result.status == "done", (result.message, result.errors[:3])
    assert connection.vendor
    return {"rows": result.rows, "seconds": elapsed, "rows_per_s": result.rows / elapsed, "writes": writes}


def _peak_rss_of_children(parent: int) -> float:
    peak = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(parent):
            peak = max(peak, int(fields.get("VmHWM", "0 kB").split()[0]) / 1024)
    return peak


# ---- the parent ------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stores", type=int, default=300)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--products", type=int, default=60)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the number of stores (e.g. 0.1)")
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument(
        "--pg-url", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument(
        "--pg-db",
        default=f"bench_analytics_{os.getpid()}",
        help="database created (and dropped) for the run; its own name, nothing else is touched",
    )
    parser.add_argument("--lines", type=int, default=1_000_000, help="POS order lines to import")
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench-analytics")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--src", default="", help="run another checkout's src/ (default: this one)")
    parser.add_argument(
        "--imports-only", action="store_true", help="measure the imports only (no page latencies)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    stores = max(1, int(args.stores * args.scale))
    end = date.today() - timedelta(days=1)
    print(f"dataset: {stores} stores × {args.days} days × {args.products} products", flush=True)
    data = generate(args.workdir / "data", stores, args.days, args.products, end, args.lines)
    print(
        f"generated {data['product_rows']:,} product rows + {data['store_rows']:,} store rows "
        f"({data['csv_mb']:.0f} MB CSV) in {data['generate_s']:.1f}s",
        flush=True,
    )
    first = (end - timedelta(days=args.days - 1)).strftime("%Y-%m")
    current = (end + timedelta(days=1)).replace(day=1)  # the first month not complete
    months = []
    for i in range(1, 13):
        index = current.year * 12 + current.month - 1 - i
        month = f"{index // 12}-{index % 12 + 1:02d}"
        if month > first:
            months.append(month)
    payload = {**data, "stores": stores, "products": args.products, "months": months}
    duck = duckdb_latency(data, months, 3 if args.imports_only else args.requests)
    print(
        f"duckdb: load {duck['load_s']:.1f}s; monthly median {duck['monthly']['median_ms']:.1f} ms "  # type: ignore[index]
        f"p99 {duck['monthly']['p99_ms']:.1f} ms; products median {duck['products']['median_ms']:.1f} ms "  # type: ignore[index]
        f"p99 {duck['products']['p99_ms']:.1f} ms",
        flush=True,
    )  # type: ignore[index]
    for db in args.db.split(","):
        command = [
            sys.executable,
            __file__,
            "--child",
            "--data",
            json.dumps(payload),
            "--requests",
            str(args.requests),
            "--port",
            str(args.port),
            *(["--src", args.src] if args.src else []),
            *(["--imports-only"] if args.imports_only else []),
        ]
        result, seconds = run_child(db, command, workdir=args.workdir, pg_url=args.pg_url, pg_db=args.pg_db)
        _report(db, result, duck, seconds)


def _report(db: str, r: dict, duck: dict, total: float) -> None:  # type: ignore[type-arg]
    raw, imp, st = r["raw_load"], r["import_products"], r["import_stores"]
    print(f"\n== {db} ({total:.0f}s in all)")
    print(
        f"raw load (COPY/executemany): {raw['rows']:,} rows in {raw['seconds']:.1f}s = {raw['rows_per_s']:,.0f} rows/s"
    )
    print(
        f"import products:             {imp['rows']:,} rows in {imp['seconds']:.1f}s = {imp['rows_per_s']:,.0f} rows/s"
        f"  (ratio to raw: {imp['rows_per_s'] / raw['rows_per_s']:.2f})"
    )
    print(
        f"import store-days:           {st['rows']:,} rows in {st['seconds']:.1f}s = {st['rows_per_s']:,.0f} rows/s"
    )
    serve = r["serve"]
    for name, baseline in (
        ("api_monthly", "monthly"),
        ("api_products", "products"),
        ("page_monthly", "monthly"),
        ("page_monthly_repeat", "monthly"),
        ("page_products", "products"),
    ):
        if name not in serve:
            continue
        ours, base = serve[name], serve[name].get("duckdb") or duck[baseline]
        print(
            f"{name:19s} median {ours['median_ms']:7.1f} ms  p99 {ours['p99_ms']:7.1f} ms   "
            f"duckdb (interleaved) median {base['median_ms']:6.1f} ms  (ratio {ours['median_ms'] / base['median_ms']:.2f})"
        )
    print(f"web worker peak RSS: {serve['worker_peak_rss_mb']:.0f} MB")
    raw_lines, alone, lines = serve["raw_lines"], serve["lines_alone"], serve["lines"]
    print(
        f"raw load of order lines:     {raw_lines['rows']:,} rows in {raw_lines['seconds']:.1f}s = "
        f"{raw_lines['rows_per_s']:,.0f} rows/s"
    )
    print(
        f"import order lines:          {alone['rows']:,} rows in {alone['seconds']:.1f}s = {alone['rows_per_s']:,.0f} rows/s"
        f"  (ratio to raw: {alone['rows_per_s'] / raw_lines['rows_per_s']:.2f})"
    )
    print(
        f"again, while others write:   {lines['rows']:,} rows in {lines['seconds']:.1f}s = {lines['rows_per_s']:,.0f} rows/s"
        f"  (ratio to raw: {lines['rows_per_s'] / raw_lines['rows_per_s']:.2f})"
    )
    writes = lines["writes"]
    for name in ("login", "approve"):
        w = writes.get(name, {})
        if w.get("count"):
            print(
                f"  {name:8s} during the import: {w['count']} requests, median {w['median_ms']:.0f} ms, "
                f"p99 {w['p99_ms']:.0f} ms"
            )
    print(
        f"  failed requests during the import: {writes.get('failures', 0)} {writes.get('first_failures', '')}"
    )


if __name__ == "__main__":
    main()
