"""Real-world-shaped files (a title row, GB18030, ¥ amounts, float noise, order lines after midnight) give the
same facts whichever path reads them: PostgreSQL's COPY-and-SQL path and the row-by-row path (the only one on
SQLite, and PostgreSQL's for a file the SQL does not take). A bad cell is named with its row either way."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from yunying.analytics import sqlimport
from yunying.analytics.factories import ProductFactory
from yunying.analytics.models import SalesDay, SalesProductDay, SalesStoreWeek
from yunying.analytics.tests.conftest import run_file
from yunying.core.tabular import detect_file_encoding

ON_POSTGRESQL = connection.vendor == "postgresql"

PRODUCTS_GB = (
    "美味POS 菜品销售日报（2025年3月）\n"
    "门店编号,营业日期,菜品编号,菜品名称,销售份数,实收金额(元),备注\n"
    "A1,2025-03-01,P001,红烧肉,10,¥580.00,\n"
    'A1,2025-03-01,P002,宫保鸡丁,2,"￥1,076.5",加辣\n'
    "A1,2025/3/2,P001,红烧肉,1,53.849999999999994,\n"
    "A2,20250302,P001,红烧肉,-1,-58元,退菜\n"
)
LINES = (
    "门店编号,单号,下单时间,菜品编号,菜品名称,数量,单价,金额,渠道,支付方式\n"
    "A1,T1,2025-03-01 12:00:00,P001,红烧肉,1,58,58.00,堂食,微信\n"
    "A1,T1,2025-03-01 12:00:00,P002,宫保鸡丁,2,38,76.00,堂食,微信\n"
    "A1,T2,2025-03-02 01:30:00,P001,红烧肉,1,58,58.0,外卖,支付宝\n"
    "A1,T3,2025-03-02 00:00:00,P001,红烧肉,1,58,58,堂食,现金\n"
    "A2,T4,2025-03-01 19:05,P003,桂花糖藕,3,4.1,,外带,现金\n"
    "A2,T5,2025-03-01 19:06,P003,桂花糖藕,1,4.1,4.1,外带,微信\n"
)


def _facts() -> tuple[dict, dict]:
    products = {
        (r.store.code, r.date, r.product.code): (r.qty, r.amount)
        for r in SalesProductDay.objects.select_related("store", "product")
    }
    days = {
        (r.store.code, r.date, r.channel): (r.net_sales, r.tickets, r.customers, r.origin)
        for r in SalesDay.objects.select_related("store")
    }
    return products, days


def _both_ways(ops, content: bytes, name: str, monkeypatch) -> tuple[list, tuple, tuple, object]:
    """Import through the normal path (SQL on PostgreSQL), then again row by row; the facts after each."""
    staged: list = []
    real = sqlimport.stage_file

    def spy(**kwargs):
        staged.append(real(**kwargs))
        return staged[-1]

    monkeypatch.setattr(sqlimport, "stage_file", spy)
    first = run_file(ops, content, name)
    assert first.status == "done", first.errors
    after_first = _facts()
    monkeypatch.setattr(sqlimport, "possible", lambda **kwargs: False)
    second = run_file(ops, content, name)
    assert second.status == "done", second.errors
    return staged, after_first, _facts(), first


def test_a_gb18030_file_with_a_title_row_and_yuan_amounts(chain, ops, monkeypatch):
    ProductFactory(code="P001")
    staged, database, rows, result = _both_ways(ops, PRODUCTS_GB.encode("gb18030"), "日报.csv", monkeypatch)
    assert staged == ([4] if ON_POSTGRESQL else [])  # four data rows, checked and staged by the database
    assert database == rows
    products, days = database
    assert products == {
        ("A1", dt.date(2025, 3, 1), "P001"): (Decimal("10.000"), Decimal("580.00")),
        ("A1", dt.date(2025, 3, 1), "P002"): (Decimal("2.000"), Decimal("1076.50")),
        ("A1", dt.date(2025, 3, 2), "P001"): (Decimal("1.000"), Decimal("53.85")),
        ("A2", dt.date(2025, 3, 2), "P001"): (Decimal("-1.000"), Decimal("-58.00")),
    }
    # No store totals in the file: each store-day's total is its products summed, marked so.
    assert days[("A1", dt.date(2025, 3, 1), "dine_in")] == (Decimal("1656.50"), 0, 0, "products")
    assert "未使用的列：备注" in result.message


def test_order_lines_after_midnight_count_for_the_evening_before(chain, ops, monkeypatch):
    ProductFactory(code="P001")
    ProductFactory(code="P002")
    staged, database, rows, result = _both_ways(ops, LINES.encode("utf-8-sig"), "lines.csv", monkeypatch)
    assert staged == ([6] if ON_POSTGRESQL else [])
    assert database == rows
    products, days = database
    march_1, march_2 = dt.date(2025, 3, 1), dt.date(2025, 3, 2)
    # T2 at 01:30 on the 2nd is the 1st's business (cut-off 04:00); T3 at 00:00:00 is a plain date.
    assert products[("A1", march_1, "P001")] == (Decimal("2.000"), Decimal("116.00"))
    assert products[("A1", march_2, "P001")] == (Decimal("1.000"), Decimal("58.00"))
    assert products[("A2", march_1, "P003")] == (Decimal("4.000"), Decimal("16.40"))  # 3 × 4.1 from the price
    # Tickets and customers: distinct ticket ids per store, day and channel.
    assert days[("A1", march_1, "dine_in")] == (Decimal("134.00"), 1, 1, "lines")
    assert days[("A1", march_1, "delivery")] == (Decimal("58.00"), 1, 1, "lines")
    assert days[("A2", march_1, "takeaway")] == (Decimal("16.40"), 2, 2, "lines")
    assert "未使用的列：支付方式" in result.message


def test_a_bad_cell_is_named_with_its_row_on_either_path(chain, ops):
    ProductFactory(code="P001")
    text = "store_code,date,product_code,qty,amount\nA1,2025-03-01,P001,1,10\nA1,2025-03-01,P001,x,10\n"
    result = run_file(ops, text.encode(), "bad.csv")
    assert result.status == "failed"
    assert [(e["row"], e["column"]) for e in result.errors] == [(3, "qty")]
    assert not SalesProductDay.objects.exists() and not SalesDay.objects.exists()


def test_repeated_rows_are_refused_on_either_path(chain, ops):
    ProductFactory(code="P001")
    text = "store_code,date,product_code,qty,amount\nA1,2025-03-01,P001,1,10\nA1,2025-03-01,P001,2,20\n"
    result = run_file(ops, text.encode(), "twice.csv")
    assert result.status == "failed"
    assert [e["row"] for e in result.errors] == [3]
    assert "与第 2 行重复" in result.errors[0]["message"]


def test_daily_figures_win_over_a_weekly_row_of_the_same_week(chain, ops):
    daily = "store_code,date,net_sales,tickets\n" + "".join(
        f"A1,2025-03-{day:02d},100,1\n" for day in range(3, 10)
    )
    assert run_file(ops, daily.encode(), "days.csv").status == "done"
    weekly = "store_code,week,net_sales\nA1,2025-03-03,5000\nA1,2025-03-10,7000\n"
    result = run_file(ops, weekly.encode(), "weeks.csv", kind="weekly")
    assert result.status == "done", result.errors
    assert "1 个门店周已有日数据" in result.message
    weeks = dict(SalesStoreWeek.objects.filter(store__code="A1").values_list("week", "net_sales"))
    assert weeks == {dt.date(2025, 3, 3): Decimal("700.00"), dt.date(2025, 3, 10): Decimal("7000.00")}


def test_the_encoding_is_told_from_the_start_of_the_file(tmp_path: Path):
    ascii_then_gb = tmp_path / "gb.csv"
    ascii_then_gb.write_bytes(b"a,b\n" + b"1,2\n" * 300_000 + "门店".encode("gb18030"))
    assert detect_file_encoding(ascii_then_gb) == "gb18030"
    cut = tmp_path / "utf8.csv"
    # A character cut at the end of the first megabyte is not a decoding error.
    cut.write_bytes(b"x" * ((1 << 20) - 1) + "门店".encode())
    assert detect_file_encoding(cut) == "utf-8-sig"
    bad_later = tmp_path / "later.csv"
    bad_later.write_bytes("门店\n".encode() * 300_000 + b"\xff\xfe")
    assert detect_file_encoding(bad_later) == "utf-8-sig"  # only the first megabyte is read


@pytest.mark.parametrize("source", ["products", "lines"])
def test_the_monthly_page_shows_an_import_at_once(chain, ops, client, source):
    ProductFactory(code="P001")
    ProductFactory(code="P002")
    client.force_login(ops)
    page = client.get("/analytics/monthly/?month=2025-03").content.decode()
    assert 'data-testid="total-sales">0<' in page
    content = PRODUCTS_GB.encode("gb18030") if source == "products" else LINES.encode()
    assert run_file(ops, content, "more.csv").status == "done"
    page = client.get("/analytics/monthly/?month=2025-03").content.decode()
    expected = "1,652" if source == "products" else "266"
    assert f'data-testid="total-sales">{expected}<' in page  # the cached page was dropped by the import


def test_weeks_may_start_on_sunday(chain, ops, settings):
    settings.YUNYING_WEEK_START = 7  # Sunday
    daily = "store_code,date,net_sales,tickets\n" + "".join(
        f"A1,2025-03-{day:02d},100,1\n" for day in range(1, 11)
    )
    assert run_file(ops, daily.encode(), "days.csv").status == "done"
    weeks = dict(SalesStoreWeek.objects.filter(store__code="A1").values_list("week", "days"))
    # 1 March 2025 is a Saturday: its week began on Sunday 23 February; the 2nd and the 9th are Sundays.
    assert weeks == {dt.date(2025, 2, 23): 1, dt.date(2025, 3, 2): 7, dt.date(2025, 3, 9): 2}
    assert set(SalesDay.objects.values_list("week", flat=True)) == set(weeks)
    weekly = "store_code,week,net_sales\nA1,2025-03-20,7000\n"  # a Thursday: the week of Sunday the 16th
    assert run_file(ops, weekly.encode(), "weeks.csv", kind="weekly").status == "done"
    assert SalesStoreWeek.objects.get(store__code="A1", week=dt.date(2025, 3, 16)).net_sales == Decimal(
        "7000"
    )

    settings.YUNYING_WEEK_START = 1  # back to Monday weeks: the repair command regroups them
    from django.core.management import call_command

    call_command("rebuild_sales_aggregates")
    weeks = set(SalesStoreWeek.objects.filter(store__code="A1").values_list("week", flat=True))
    assert {dt.date(2025, 2, 24), dt.date(2025, 3, 3), dt.date(2025, 3, 10)} <= weeks


def test_rows_of_totals_are_left_out_on_either_path(chain, ops, monkeypatch):
    """A 合计 row below the data (and a 小计 between): not data, named back, and the database still takes the
    file (no fall-back to the row-by-row path for it)."""
    ProductFactory(code="P001")
    text = (
        "门店编码,日期,商品编码,数量,金额\n"
        "A1,2025-03-01,P001,1,10.00\n"
        "小计,,,1,10.00\n"
        "A1,2025-03-02,P001,2,20.00\n"
        " 合计 ,,,3,30.00\n"
    )
    staged, database, rows, result = _both_ways(ops, text.encode(), "totals.csv", monkeypatch)
    assert staged == ([2] if ON_POSTGRESQL else [])
    assert database == rows
    assert len(database[0]) == 2
    assert "合计行未导入：第 3、5 行" in result.message


# Order lines as a POS exports them: known products, codes as they are, plain numbers, HH:MM[:SS] times.
PLAIN_LINES = (
    "门店编号,单号,下单时间,菜品编号,数量,单价,金额,渠道\n"
    "A1,T1,2025-03-01 12:00:00,P001,1,58,58.00,堂食\n"
    "A1,T1,2025-03-01 12:00:00,P002,2,38,76.00,堂食\n"
    "A1,T2,2025-03-02 01:30:00,P001,1,58,58.0,外卖\n"
    "A1,T3,2025-03-02 00:00:00,P001,1,58,58,\n"
    "A1,T6,2025-03-02 03:59,P002,1,38,38.000000000001,外卖\n"
    "A1,T7,2025-03-02 04:00,P002,-1,38,-38,外卖\n"
    "A2,T4,2025-03-01 19:05,P001,3,4.1,,外带\n"
    "A2,T5,2025-03-01,P001,1,4.1,4.1,外带\n"
)


@pytest.mark.parametrize(
    ("change", "exact"),
    [
        ("", True),
        (
            "A1,T9,2025-03-02 01:00:00,P001, 1 ,58,58,外卖\n",
            True,
        ),  # spaces around a number: the cast takes them
        ("A1,T9,2025-03-02 01:00:00,P001,1,58,¥58,外卖\n", False),  # a currency mark: the general statement
        ("A1 ,T9,2025-03-02 01:00:00,P001,1,58,58,外卖\n", False),  # a code with a space after it
        ("A1,T9,2025-03-02 1:00,P001,1,58,58,外卖\n", False),  # not HH:MM: the row-by-row path
        ("A1,T9,2025-03-02 01:00:00,P001,1,58,58, 外卖\n", False),
    ],
)
def test_plain_order_lines_take_the_exact_statement_with_the_same_facts(
    chain, ops, monkeypatch, change, exact
):
    ProductFactory(code="P001")
    ProductFactory(code="P002")
    tried: list[bool] = []
    real = sqlimport._exact_lines

    def spy(*args, **kwargs):
        tried.append(real(*args, **kwargs))
        return tried[-1]

    monkeypatch.setattr(sqlimport, "_exact_lines", spy)
    content = (PLAIN_LINES + change).encode()
    staged, database, rows, _result = _both_ways(ops, content, "pos.csv", monkeypatch)
    if ON_POSTGRESQL:  # the rows the database staged, or None: read row by row
        assert staged == [None if ":00," in change and " 1:00" in change else 8 + bool(change)]
    assert database == rows
    if ON_POSTGRESQL:
        assert tried == [exact]
    products, days = database
    march_1 = dt.date(2025, 3, 1)
    # 01:30 and 03:59 on the 2nd are the 1st's business (cut-off 04:00); 00:00:00 and 04:00 are the 2nd's.
    assert products[("A1", march_1, "P002")] == (Decimal("3.000"), Decimal("114.00"))
    assert products[("A2", march_1, "P001")] == (Decimal("4.000"), Decimal("16.40"))
    assert days[("A1", dt.date(2025, 3, 2), "delivery")][:2] == (Decimal("-38.00"), 1)
    assert days[("A2", march_1, "takeaway")] == (Decimal("16.40"), 2, 2, "lines")


def test_a_bad_order_line_is_named_after_the_exact_statement_refused_it(chain, ops):
    ProductFactory(code="P001")
    ProductFactory(code="P002")
    content = (PLAIN_LINES + "A1,T9,2025-03-02 01:00:00,P001,x,58,58,外卖\n").encode()
    result = run_file(ops, content, "pos.csv")
    assert result.status == "failed"
    assert [(e["row"], e["column"]) for e in result.errors] == [(10, "数量")]
    assert not SalesProductDay.objects.exists() and not SalesDay.objects.exists()


@pytest.mark.parametrize(
    ("content", "exact"),
    [
        (
            "store_code,date,product_code,qty,amount\nA1,2025-03-01,P001,2,116.00\nA2,2025-03-01,P001,-1,-58\n",
            True,
        ),
        ("store_code,date,product_code,qty,amount\nA1,2025-03-01,P001,2,53.849999999999994\n", True),
        ('store_code,date,product_code,qty,amount\nA1,2025-03-01,P001,2,"1,076.5"\n', False),
        (
            "store_code,date,net_sales,tickets,customers,discounts,channel\n"
            "A1,2025-03-01,100.5,3,,,堂食\nA1,2025-03-01,20,1,2,1.5,外卖\nA2,2025-03-01,0,0,0,0,\n",
            True,
        ),
        ("store_code,date,net_sales,tickets,channel\nA1,2025-03-01,100,3, 外卖 \n", False),
    ],
)
def test_plain_product_and_store_rows_take_the_exact_statement(chain, ops, monkeypatch, content, exact):
    ProductFactory(code="P001")
    tried: list[bool] = []
    real = sqlimport._exact_rows

    def spy(*args, **kwargs):
        tried.append(real(*args, **kwargs))
        return tried[-1]

    monkeypatch.setattr(sqlimport, "_exact_rows", spy)
    staged, database, rows, _result = _both_ways(ops, content.encode(), "day.csv", monkeypatch)
    assert database == rows
    if ON_POSTGRESQL:
        assert tried == [exact]
        assert staged == [content.count("\n") - 1]


def _connection_settings(cursor) -> tuple:
    """The session settings an import might change: PostgreSQL's memory and sampling, SQLite's pragmas."""
    if ON_POSTGRESQL:
        cursor.execute("SELECT current_setting('work_mem'), current_setting('default_statistics_target')")
        return tuple(cursor.fetchone())
    found = []
    pragmas = (
        "synchronous",
        "cache_size",
        "temp.cache_size",
        "wal_autocheckpoint",
        "journal_mode",
        "busy_timeout",
    )
    for pragma in (*pragmas, "temp_store"):
        cursor.execute(f"PRAGMA {pragma}")
        found.append(cursor.fetchone()[0])
    return tuple(found)


def test_the_import_leaves_the_connection_settings_as_they_were(chain, ops):
    ProductFactory(code="P001")
    with connection.cursor() as cursor:
        before = _connection_settings(cursor)
        content = b"store_code,date,product_code,qty,amount\nA1,2025-03-01,P001,2,116.00\n"
        assert run_file(ops, content, "day.csv").status == "done"
        assert _connection_settings(cursor) == before
