"""Sales file imports: every encoding, XLSX, a saved column mapping, all-or-nothing with per-row errors,
duplicates, re-imports that replace, empty files, scope."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum

from yunying.analytics import services
from yunying.analytics.factories import ProductFactory
from yunying.analytics.models import ImportSource, Product, SalesDay, SalesProductDay, SalesStoreMonth
from yunying.analytics.tests.conftest import run_file
from yunying.core.errors import DomainError, PermissionDenied

CHINESE = "门店编号,营业日期,菜品编号,菜品名称,销售份数,实收金额(元)\n"
ROWS = "A1,2025-03-01,P001,红烧肉,10,580.00\nA1,2025-03-01,P002,宫保鸡丁,-1,-38.00\nA2,2025-03-02,P001,红烧肉,3,174\n"


def _totals():
    return SalesProductDay.objects.aggregate(q=Sum("qty"), a=Sum("amount"))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_in_every_encoding_with_chinese_headers(chain, ops, encoding):
    ProductFactory(code="P001")
    result = run_file(ops, (CHINESE + ROWS).encode(encoding), f"pos-{encoding}.csv")
    assert result.status == "done", result.errors
    assert result.kind == "product"
    totals = _totals()
    assert totals["q"] == Decimal("12") and totals["a"] == Decimal("716.00")
    assert Product.objects.get(code="P002").name == "宫保鸡丁"  # created from the name column
    # No store totals in the file: each store-day's total is its products summed, and says so.
    derived = {
        (d.store.code, d.date): (d.net_sales, d.origin) for d in SalesDay.objects.select_related("store")
    }
    assert derived == {
        ("A1", date(2025, 3, 1)): (Decimal("542.00"), "products"),
        ("A2", date(2025, 3, 2)): (Decimal("174.00"), "products"),
    }
    assert "门店合计由商品明细汇总得出" in result.message


def test_xlsx_store_rows_with_channels(chain, ops):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["门店编码", "日期", "营业额", "单数", "客数", "渠道"])
    sheet.append(["B1", date(2025, 3, 1), 1234.5, 20, 45, "堂食"])
    sheet.append(["B1", date(2025, 3, 1), 300, 6, 6, "外卖"])
    sheet.append(["B2", "2025/03/02", 99.9, 2, 3, "takeaway"])
    buffer = io.BytesIO()
    book.save(buffer)
    result = run_file(ops, buffer.getvalue(), "pos.xlsx")
    assert result.status == "done", result.errors
    month = SalesStoreMonth.objects.get(store__code="B1", month=date(2025, 3, 1))
    assert (
        month.net_sales == Decimal("1534.50")
        and month.tickets == 26
        and month.sales_delivery == Decimal("300")
    )


def test_mapping_saved_per_source_is_reused(chain, ops):
    headers = "店铺,日子,货号,件数,钱\n"
    ProductFactory(code="P9")
    first = run_file(
        ops,
        (headers + "A1,2025-03-01,P9,1,10\n").encode(),
        "a.csv",
        kind="product",
        mapping={"store_code": "店铺", "date": "日子", "product_code": "货号", "qty": "件数", "amount": "钱"},
        save_as="老POS",
    )
    assert first.status == "done"
    source = ImportSource.objects.get(name="老POS")
    upload = services.sales_import_upload(
        actor=ops, filename="b.csv", chunks=[(headers + "A2,2025-03-02,P9,2,20\n").encode()], source=source
    )
    preview = services.sales_import_preview(sales_import=upload)
    assert preview.kind == "product" and preview.mapping["amount"] == "钱" and not preview.missing
    assert preview.rows[0] == ["A2", "2025-03-02", "P9", "2", "20"]


def test_bad_row_in_the_middle_writes_nothing(chain, ops):
    ProductFactory(code="P001")
    lines = ["store_code,date,product_code,qty,amount"]
    lines += [f"A1,2025-03-{d:02d},P001,1,10" for d in range(1, 11)]
    lines.insert(6, "A1,2025-13-01,P001,abc,10")  # row 7: bad date and bad qty
    lines.insert(8, "ZZ,2025-03-20,P404,1,10")  # row 9: unknown store and product
    result = run_file(ops, "\n".join(lines).encode(), "bad.csv")
    assert result.status == "failed"
    assert SalesProductDay.objects.count() == 0 and SalesStoreMonth.objects.count() == 0
    found = {(e["row"], e["column"]) for e in result.errors}
    assert {(7, "date"), (7, "qty"), (9, "store_code"), (9, "product_code")} <= found
    assert "未导入任何数据" in result.message


def test_duplicate_rows_in_a_file_are_reported(chain, ops):
    ProductFactory(code="P001")
    text = "store_code,date,product_code,qty,amount\nA1,2025-03-01,P001,1,10\nA1,2025-03-01,P001,2,20\n"
    result = run_file(ops, text.encode(), "dup.csv")
    assert result.status == "failed"
    assert result.errors[0]["row"] == 3 and "重复" in result.errors[0]["message"]
    assert SalesProductDay.objects.count() == 0


def test_same_file_twice_replaces_and_never_double_counts(chain, ops):
    ProductFactory(code="P001")
    text = "store_code,date,net_sales,tickets,channel\nA1,2025-03-01,100,1,堂食\nA1,2025-03-02,200,2,堂食\n"
    first = run_file(ops, text.encode(), "day.csv")
    second = run_file(ops, text.encode(), "day.csv")
    assert first.status == second.status == "done"
    assert first.replaced == 0 and second.replaced == 2
    assert SalesStoreMonth.objects.get(store__code="A1").net_sales == Decimal("300")
    changed = run_file(ops, b"store_code,date,net_sales,tickets\nA1,2025-03-02,50,1\n", "fix.csv")
    assert changed.status == "done"
    assert SalesStoreMonth.objects.get(store__code="A1").net_sales == Decimal("150")


@pytest.mark.parametrize("content", [b"", b"store_code,date,product_code,qty,amount\n", b"\n\n"])
def test_empty_files_are_refused(chain, ops, content):
    if not content:
        with pytest.raises(DomainError):
            services.sales_import_upload(actor=ops, filename="e.csv", chunks=[content])
        return
    upload = services.sales_import_upload(actor=ops, filename="e.csv", chunks=[content])
    with pytest.raises(DomainError):
        services.sales_import_confirm(actor=ops, sales_import=upload, kind="product", mapping={})
        services.sales_import_execute(import_id=upload.pk)
        upload.refresh_from_db()
        raise DomainError(upload.message)


def test_area_manager_imports_only_their_stores(chain):
    from django.contrib.auth.models import Permission

    from yunying.org.models import Position

    Position.objects.get(code="AREA-MGR").permissions.add(Permission.objects.get(codename="add_salesimport"))
    text = "store_code,date,net_sales,tickets\nA1,2025-03-01,100,1\nB1,2025-03-01,100,1\n"
    result = run_file(chain.users["area_a"], text.encode(), "mixed.csv")
    assert result.status == "failed"
    assert [(e["row"], e["column"]) for e in result.errors] == [(3, "store_code")]


def test_importing_needs_the_permission(chain):
    with pytest.raises(PermissionDenied):
        services.sales_import_upload(actor=chain.users["store_a1"], filename="x.csv", chunks=[b"a"])


def test_dates_before_opening_and_in_the_future_are_errors(chain, ops):
    from yunying.org.models import Store

    Store.objects.filter(code="A1").update(opened_on=date(2025, 3, 2))
    text = "store_code,date,net_sales,tickets\nA1,2025-03-01,100,1\nA2,2099-01-01,100,1\n"
    result = run_file(ops, text.encode(), "dates.csv")
    assert [(e["row"], e["column"]) for e in result.errors] == [(2, "date"), (3, "date")]


def test_command_line_import_prints_progress(chain, ops, tmp_path, capsys):
    from django.core.management import call_command

    path = tmp_path / "cli.csv"
    path.write_text("store_code,date,net_sales,tickets\nA1,2025-03-01,100,1\n", encoding="gb18030")
    call_command("import_sales", str(path))
    out = capsys.readouterr()
    assert "100.0%" in out.err and "rows/s" in out.out
    assert SalesDay.objects.get().net_sales == Decimal("100")


def test_store_day_table_follows_imports_and_reimports(chain, ops):
    """Channels summed per store-day; a re-import replaces the day (never adds); a product import leaves the
    store-day figures alone."""
    from yunying.analytics.models import SalesStoreDay, SalesStoreWeek

    ProductFactory(code="P001")
    text = (
        "store_code,date,net_sales,tickets,customers,channel\n"
        "A1,2025-03-01,100,1,2,堂食\nA1,2025-03-01,30.5,1,1,外卖\nA1,2025-03-02,200,2,3,堂食\n"
    )
    assert run_file(ops, text.encode(), "d.csv").status == "done"
    day = SalesStoreDay.objects.get(store__code="A1", date=date(2025, 3, 1))
    assert (day.net_sales, day.tickets, day.sales_dine_in, day.sales_delivery) == (
        Decimal("130.50"),
        2,
        Decimal("100"),
        Decimal("30.50"),
    )
    again = "store_code,date,net_sales,tickets,customers,channel\nA1,2025-03-01,90,1,1,堂食\n"
    result = run_file(ops, again.encode(), "again.csv")
    assert result.status == "done" and result.replaced == 2
    day = SalesStoreDay.objects.get(store__code="A1", date=date(2025, 3, 1))  # rebuilt, not updated
    assert (day.net_sales, day.sales_delivery) == (Decimal("90"), Decimal("0"))
    assert SalesStoreMonth.objects.get(store__code="A1").net_sales == Decimal("290")
    assert SalesStoreMonth.objects.get(store__code="A1").days == 2
    week = SalesStoreWeek.objects.get(store__code="A1", week=date(2025, 2, 24))  # Sat 1 + Sun 2 March
    assert week.net_sales == Decimal("290") and week.days == 2
    products = "store_code,date,product_code,qty,amount\nA1,2025-03-01,P001,1,10\n"
    assert run_file(ops, products.encode(), "p.csv").status == "done"
    assert SalesStoreDay.objects.get(store__code="A1", date=date(2025, 3, 1)).net_sales == Decimal("90")
    assert SalesStoreDay.objects.count() == 2


def test_duplicates_across_chunks_name_both_rows(chain, ops):
    """A repeated row far from the one it repeats (another chunk) is reported with both row numbers."""
    from yunying.analytics.imports import import_rows

    ProductFactory(code="P001")
    header = ["store_code", "date", "product_code", "qty", "amount"]
    rows = [(n, ["A1", f"2025-03-{n - 1:02d}", "P001", "1", "10"]) for n in range(2, 12)]
    rows.append((12, ["A1", "2025-03-03", "P001", "2", "20"]))  # repeats row 4
    outcome = import_rows(actor=ops, header=header, rows=rows, chunk_rows=3)
    assert not outcome.ok
    assert [(e.row, e.column) for e in outcome.errors] == [(12, "product_code")]
    assert "第 4 行" in outcome.errors[0].message
    assert SalesProductDay.objects.count() == 0


def test_rows_off_the_fast_path_are_checked_the_same(chain, ops):
    """Spaces, other date formats, new product codes and bad cells mixed with plain rows: the plain rows take
    the fast path, the others the full check, with the same result and the same errors."""
    ProductFactory(code="P001")
    good = (
        "store_code,date,product_code,product_name,qty,amount\n"
        "A1,2025-03-01,P001,,1,10\n"
        " A1 ,2025/03/02,P001,,2,20.5\n"
        "A1,2025-03-03,P777,新菜,3,30\n"
        "A1,2025-03-04,P777,,1.5,15\n"
        'A1,2025-03-05, P001 ,,"1,000","10,000.00"\n'
    )
    result = run_file(ops, good.encode(), "mixed.csv")
    assert result.status == "done", result.errors
    assert _totals() == {"q": Decimal("1007.5"), "a": Decimal("10075.50")}
    bad = (
        "store_code,date,product_code,qty,amount\n"
        "A1,2025-04-01,P001,1,10\n"
        "A1,2025-04-02,P001,1000000000,10\n"  # qty beyond numeric(12, 3)
        "A1,2099-04-03,P001,1,10\n"
        "A1,2025-04-04,P001,1.2345,10\n"
        "A1,2025-04-05,P001,1,10.001\n"
    )
    result = run_file(ops, bad.encode(), "bad.csv")
    assert result.status == "failed"
    assert [(e["row"], e["column"]) for e in result.errors] == [
        (3, "qty"),
        (4, "date"),
        (5, "qty"),
        (6, "amount"),
    ]
    assert _totals()["q"] == Decimal("1007.5")


def test_a_clash_without_a_repeated_row_fails_cleanly(chain, ops, monkeypatch):
    """A unique-key clash the input does not explain (another import wrote the same store-days meanwhile):
    the import fails with one error and writes nothing, rather than reporting success."""
    from yunying.analytics.writer import SalesWriter

    ProductFactory(code="P001")
    monkeypatch.setattr(SalesWriter, "_duplicates", lambda self, kind: [])
    text = "store_code,date,product_code,qty,amount\nA1,2025-03-01,P001,1,10\nA1,2025-03-01,P001,2,20\n"
    result = run_file(ops, text.encode(), "clash.csv")
    assert result.status == "failed" and result.error_count == 1
    assert result.errors[0]["row"] == 0 and "同时" in result.errors[0]["message"]
    assert SalesProductDay.objects.count() == 0
