"""Targets (grid, Excel import, permission, history), the suggestion's back-test, and the pages: every
report renders and exports; a ~10 MB file goes through the upload page and the worker task."""

from __future__ import annotations

import io
import math
import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client

from yunying.analytics import forecast, targets
from yunying.analytics.factories import ProductFactory
from yunying.analytics.models import SalesImport, SalesProductDay, StoreTarget
from yunying.analytics.tests.conftest import run_file
from yunying.core.errors import PermissionDenied


def test_targets_grid_save_and_history(chain, ops):
    changed = targets.store_targets_save(actor=ops, month=date(2025, 5, 1), amounts={"A1": "1000", "A2": ""})
    assert changed == 1
    target = StoreTarget.objects.get(store__code="A1")
    assert target.amount == Decimal("1000") and target.set_by == ops
    targets.store_targets_save(actor=ops, month=date(2025, 5, 1), amounts={"A1": "1200.50"})
    assert [h.amount for h in target.history.order_by("history_date")] == [
        Decimal("1000"),
        Decimal("1200.50"),
    ]
    with pytest.raises(PermissionDenied):
        targets.store_targets_save(actor=chain.users["area_a"], month=date(2025, 5, 1), amounts={"A1": "1"})


def test_targets_import_from_excel_all_or_nothing(chain, ops):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["门店编码", "月份", "业绩指标"])
    sheet.append(["A1", "2025-06", 50000])
    sheet.append(["B1", "2025-06", "abc"])
    buffer = io.BytesIO()
    book.save(buffer)
    report = targets.store_targets_import(actor=ops, filename="t.xlsx", content=buffer.getvalue())
    assert [(e.row, e.column) for e in report.errors] == [(3, "业绩指标")]
    assert StoreTarget.objects.count() == 0
    sheet.delete_rows(3)
    buffer = io.BytesIO()
    book.save(buffer)
    report = targets.store_targets_import(actor=ops, filename="t.xlsx", content=buffer.getvalue())
    assert report.written == 1 and StoreTarget.objects.get().amount == Decimal("50000")


def _series(seed: int, growth: float) -> forecast.Daily:
    rng = random.Random(seed)
    weekday = [0.85, 0.85, 0.9, 0.95, 1.1, 1.35, 1.25]
    season = [1.05, 0.95, 0.9, 0.95, 1.0, 0.97, 1.05, 1.08, 0.98, 1.02, 0.97, 1.1]
    day, daily = date(2023, 1, 1), {}
    while day < date(2025, 7, 1):
        years = (day - date(2023, 1, 1)).days / 365
        holiday = {"spring": 0.6, "golden": 1.2}.get(forecast.holiday_kind(day) or "", 1.0)
        level = 10000 * math.exp(growth * years) * weekday[day.weekday()] * season[day.month - 1] * holiday
        daily[day] = level * rng.lognormvariate(0, 0.05)
        day += timedelta(days=1)
    return daily


def test_suggestion_beats_seasonal_naive_on_trending_seasonal_data():
    stores = {i: _series(i, growth) for i, growth in enumerate([0.05, -0.25, 0.12, 0.0, 0.08])}
    months = [date(2025, m, 1) for m in range(1, 7)]
    result = forecast.backtest(stores, months)
    assert result.forecasts == 30
    assert result.mape_method is not None and result.mape_baseline is not None
    assert result.mape_method < result.mape_baseline


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def with_sales(chain, ops):
    ProductFactory(code="P1")
    lines = ["store_code,date,net_sales,tickets,customers,channel"]
    products = ["store_code,date,product_code,qty,amount"]
    day = date(2024, 1, 1)
    while day <= date(2025, 4, 30):
        for store in ("A1", "A2", "B1", "D1"):
            lines.append(f"{store},{day},{1000 + day.day * 10},{20},{30},堂食")
            products.append(f"{store},{day},P1,{day.day},{day.day * 10}")
        day += timedelta(days=1)
    assert run_file(ops, "\n".join(lines).encode(), "s.csv").status == "done"
    assert run_file(ops, "\n".join(products).encode(), "p.csv").status == "done"
    return _client(ops)


@pytest.mark.parametrize(
    "url",
    [
        "/analytics/",
        "/analytics/monthly/?month=2025-04",
        "/analytics/monthly/?month=2025-04&region=RA",
        "/analytics/stores/A1/?month=2025-04",
        "/analytics/weekly/?week=2025-04-14",
        "/analytics/products/?month=2025-04",
        "/analytics/rankings/?month=2025-04&measure=yoy_pct",
        "/analytics/kpi/?month=2025-04",
        "/analytics/targets/?month=2025-05",
        "/analytics/import/",
    ],
)
def test_pages_render_with_charts(with_sales, url):
    response = with_sales.get(url)
    assert response.status_code == 200
    if "import" not in url and "targets" not in url:
        assert b"data-chart=" in response.content and b"dist/charts.js" in response.content


@pytest.mark.parametrize("page", ["monthly", "weekly", "products", "rankings", "kpi"])
def test_excel_exports(with_sales, page):
    from openpyxl import load_workbook

    response = with_sales.get(f"/analytics/{page}/?month=2025-04&week=2025-04-14&export=xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    book = load_workbook(io.BytesIO(response.content))
    assert book.worksheets[0].max_row > 1


def test_targets_page_edit(with_sales, ops):
    response = with_sales.post("/analytics/targets/?month=2025-05", {"action": "save", "target_A1": "33000"})
    assert response.status_code == 302
    assert StoreTarget.objects.get(store__code="A1", month=date(2025, 5, 1)).amount == Decimal("33000")
    page = with_sales.get("/analytics/targets/?month=2025-05").content.decode()
    assert 'name="target_A1" value="33000' in page


def test_area_manager_cannot_edit_targets_or_import(with_sales, chain):
    client = _client(chain.users["area_a"])
    page = client.get("/analytics/targets/?month=2025-05").content.decode()
    assert 'data-store="A1"' in page and 'name="target_A1"' not in page and 'data-store="B1"' not in page
    assert client.get("/analytics/import/").status_code == 403


def test_ten_megabyte_file_through_the_upload_page(chain, ops, django_capture_on_commit_callbacks):
    products = [ProductFactory(code=f"M{i:02d}").code for i in range(40)]
    buffer = io.StringIO()
    buffer.write("门店编码,日期,商品编码,数量,金额\n")
    day, rows = date(2023, 1, 1), 0
    while buffer.tell() < 10 * 1024 * 1024:
        for store in ("A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4", "B5", "D1"):
            for product in products:
                buffer.write(
                    f"{store},{day.isoformat()},{product},{rows % 7 + 1},{(rows % 7 + 1) * 12.5:.2f}\n"
                )
                rows += 1
        day += timedelta(days=1)
    content = buffer.getvalue().encode("gb18030")
    assert len(content) >= 10 * 1024 * 1024
    client = _client(ops)
    upload = io.BytesIO(content)
    upload.name = "big.csv"
    response = client.post("/analytics/import/", {"file": upload})
    assert response.status_code == 302
    sales_import = SalesImport.objects.get()
    preview = client.get(response["Location"]).content.decode()
    assert "预览" in preview and "M00" in preview
    form = {
        "kind": "product",
        "map_store_code": "门店编码",
        "map_date": "日期",
        "map_product_code": "商品编码",
        "map_qty": "数量",
        "map_amount": "金额",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(response["Location"], form)
    assert response.status_code == 302
    sales_import.refresh_from_db()
    assert sales_import.status == "done", sales_import.errors[:3]
    assert sales_import.rows == rows == SalesProductDay.objects.count()
    page = client.get(f"/analytics/import/{sales_import.pk}/progress/").content.decode()
    assert "已完成" in page and 'hx-trigger="every 1s"' not in page


def test_monthly_page_links_every_store_and_colours_changes(with_sales):
    """The 300-row tables fill store links from one reversed URL and render percents by filters."""
    from yunying.analytics.templatetags.analytics_format import fill, pct, percent

    html = with_sales.get("/analytics/monthly/?month=2025-04").content.decode()
    assert 'href="/analytics/stores/A1/?month=2025-04"' in html
    assert fill("/analytics/stores/-code-/", "A 1/2") == "/analytics/stores/A%201%2F2/"
    assert pct(3.25) == '<span class="up">+3.3%</span>' and pct(-1.0) == '<span class="down">-1.0%</span>'
    assert "—" in pct(None) and percent(None) == "—" and percent(99.95) == "100.0%"
