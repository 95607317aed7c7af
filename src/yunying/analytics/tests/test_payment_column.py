"""A payment-method column (支付方式: 微信/支付宝/现金/会员卡): no breakdown by payment is kept, so the column is
named back in the preview and the import's message — and a store-day export split into one row per payment
method is refused with a message that says why, nothing written."""

from __future__ import annotations

from decimal import Decimal

from yunying.analytics import services
from yunying.analytics.factories import ProductFactory
from yunying.analytics.models import SalesDay, SalesProductDay
from yunying.analytics.tests.conftest import run_file

PAYMENTS = ("微信", "支付宝", "现金", "会员卡")


def test_order_lines_with_a_payment_column_name_it_back(chain, ops):
    ProductFactory(code="P1")
    rows = ["门店编码,单号,下单时间,商品编码,数量,金额,支付方式"]
    rows += [f"A1,T{i},2025-03-01 12:0{i},P1,1,10.00,{pay}" for i, pay in enumerate(PAYMENTS)]
    content = ("\n".join(rows) + "\n").encode()
    upload = services.sales_import_upload(actor=ops, filename="lines.csv", chunks=[content])
    preview = services.sales_import_preview(sales_import=upload)
    assert preview.kind == "lines" and preview.payment == "支付方式" and preview.unused == ["支付方式"]
    result = run_file(ops, content, "lines.csv")
    assert result.status == "done" and "未使用的列：支付方式" in result.message
    day = SalesDay.objects.get(store__code="A1")
    assert (day.net_sales, day.tickets) == (Decimal("40.00"), 4)
    assert SalesProductDay.objects.get(store__code="A1").amount == Decimal("40.00")


def test_store_days_split_by_payment_are_refused_with_the_reason(chain, ops, client):
    rows = ["门店编码,营业日期,支付方式,营业额,单数"]
    rows += [f"A1,2025-03-01,{pay},{100 + i}.50,{3 + i}" for i, pay in enumerate(PAYMENTS)]
    content = ("\n".join(rows) + "\n").encode()
    upload = services.sales_import_upload(actor=ops, filename="takings.csv", chunks=[content])
    preview = services.sales_import_preview(sales_import=upload)
    assert preview.kind == "store" and preview.payment == "支付方式" and "支付方式" in preview.unused
    client.force_login(ops)
    page = client.get(f"/analytics/import/{upload.pk}/").content.decode()
    assert 'data-testid="preview-payment"' in page and "不按支付方式拆分" in page
    result = run_file(ops, content, "takings.csv")
    assert result.status == "failed" and result.error_count == 3
    assert result.errors[0]["row"] == 3
    assert "文件按“支付方式”分行，而销售额不按支付方式保存" in result.errors[0]["message"]
    assert not SalesDay.objects.exists()
