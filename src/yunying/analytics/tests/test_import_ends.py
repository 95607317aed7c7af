"""An import always ends: a crash marks it failed (nothing written, what it replaced put back), the page stops
polling, the command line prints one line, and imports left running by a dead worker are swept."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.utils import timezone

from yunying.analytics import services, writer
from yunying.analytics.factories import ProductFactory
from yunying.analytics.models import (
    ImportStatus,
    Product,
    SalesImport,
    SalesProductDay,
    SalesStoreProductMonth,
)
from yunying.analytics.tests.conftest import run_file
from yunying.analytics.writer import SalesWriter

HEADER = "store_code,date,product_code,product_name,qty,amount\n"


def _month_amount(store: str = "A1") -> Decimal | None:
    return SalesStoreProductMonth.objects.filter(store__code=store).aggregate(s=Sum("amount"))["s"]


def test_a_crash_inside_an_import_leaves_it_failed_not_running(chain, ops, monkeypatch, caplog):
    def boom(self, *args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(SalesWriter, "finish", boom)
    result = run_file(ops, (HEADER + "A1,2025-03-01,N1,新菜,1,10\n").encode(), "crash.csv")
    assert result.status == ImportStatus.FAILED and result.finished_at is not None
    assert "RuntimeError: disk on fire" in result.message
    assert "Traceback" in caplog.text or any(r.exc_info for r in caplog.records)
    assert SalesProductDay.objects.count() == 0
    assert not Product.objects.filter(code="N1").exists()  # the product it would have created: gone too


def test_a_crash_after_some_chunks_committed_puts_everything_back(chain, ops, monkeypatch):
    """Chunks of a few store-days each commit one by one; a failure in a later one restores the earlier ones
    (facts and aggregates) to what they were before the import."""
    ProductFactory(code="P01")
    before = "".join(f"A1,2025-03-{d:02d},P01,,1,10\n" for d in range(1, 11))
    assert run_file(ops, (HEADER + before).encode(), "before.csv").status == "done"
    assert _month_amount() == Decimal("100")
    calls = {"n": 0}
    original = SalesWriter._write_chunk

    def flaky(self, kind, chunk):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("lost the database")
        original(self, kind, chunk)

    monkeypatch.setattr(SalesWriter, "_write_chunk", flaky)
    monkeypatch.setattr(writer, "CHUNK_ROWS", 2)
    monkeypatch.setattr(writer, "CHUNK_ROWS_POSTGRESQL", 2)
    after = "".join(f"A1,2025-03-{d:02d},P01,,5,50\n" for d in range(1, 11))
    result = run_file(ops, (HEADER + after).encode(), "after.csv")
    assert result.status == "failed" and "lost the database" in result.message
    assert calls["n"] == 3
    amounts = SalesProductDay.objects.values_list("amount", flat=True)
    assert sorted(amounts) == [Decimal("10")] * 10
    assert _month_amount() == Decimal("100")


def test_chunked_replace_writes_everything(chain, ops, monkeypatch):
    ProductFactory(code="P01")
    monkeypatch.setattr(writer, "CHUNK_ROWS", 3)
    monkeypatch.setattr(writer, "CHUNK_ROWS_POSTGRESQL", 3)
    rows = "".join(f"{s},2025-03-{d:02d},P01,,1,{d}\n" for s in ("A1", "A2") for d in range(1, 21))
    result = run_file(ops, (HEADER + rows).encode(), "many.csv")
    assert result.status == "done" and result.written == 40
    again = "".join(f"A1,2025-03-{d:02d},P01,,2,1\n" for d in range(5, 15))
    result = run_file(ops, (HEADER + again).encode(), "again.csv")
    assert result.status == "done" and result.replaced == 10
    assert _month_amount("A1") == Decimal(sum(range(1, 5)) + sum(range(15, 21)) + 10)
    assert _month_amount("A2") == Decimal(sum(range(1, 21)))


def test_stale_running_imports_are_marked_failed_and_the_page_stops_polling(chain, ops, client):
    stale = SalesImport.objects.create(file_name="old.csv", status=ImportStatus.RUNNING, created_by=ops)
    alive = SalesImport.objects.create(file_name="new.csv", status=ImportStatus.RUNNING, created_by=ops)
    SalesImport.objects.filter(pk=stale.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    client.force_login(ops)
    page = client.get(f"/analytics/import/{stale.pk}/progress/").content.decode()
    assert "hx-get" in page  # still running: the page polls
    from yunying.analytics.tasks import sales_imports_fail_stale_task

    sales_imports_fail_stale_task.call_local()
    stale.refresh_from_db()
    alive.refresh_from_db()
    assert stale.status == ImportStatus.FAILED and "超时" in stale.message
    assert alive.status == ImportStatus.RUNNING
    page = client.get(f"/analytics/import/{stale.pk}/progress/").content.decode()
    assert "hx-get" not in page and "超时" in page


def test_the_command_line_prints_one_line_on_a_crash(chain, ops, monkeypatch, tmp_path, capsys):
    def boom(self, *args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(SalesWriter, "finish", boom)
    path = tmp_path / "crash.csv"
    path.write_text(HEADER + "A1,2025-03-01,N1,新菜,1,10\n")
    with pytest.raises(CommandError) as raised:
        call_command("import_sales", str(path))
    assert "disk on fire" in str(raised.value) and "\n" not in str(raised.value)
    assert "Traceback" not in capsys.readouterr().err
    assert SalesImport.objects.get().status == ImportStatus.FAILED


def test_a_push_replaces_only_the_channels_it_names(chain, ops):
    day = {"store_code": "A1", "date": "2025-03-01", "tickets": 1, "customers": 1}
    services.sales_push(
        actor=ops,
        days=[{**day, "channel": "堂食", "net_sales": "100"}, {**day, "channel": "外卖", "net_sales": "30"}],
    )
    services.sales_push(actor=ops, days=[{**day, "channel": "外卖", "net_sales": "40"}])
    from yunying.analytics.models import SalesStoreDay

    total = SalesStoreDay.objects.get(store__code="A1", date=date(2025, 3, 1))
    assert (total.sales_dine_in, total.sales_delivery, total.net_sales) == (
        Decimal("100"),
        Decimal("40"),
        Decimal("140"),
    )
