"""The purchase order queue as an Excel workbook: one row per item (order number, store, … repeated)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yunying.core.tabular import xlsx_cell, xlsx_row
from yunying.purchasing.models import PurchaseOrder

MAX_ROWS = 50_000


def orders_xlsx(orders: QuerySet[PurchaseOrder]) -> bytes:
    headings = [
        _("采购单号"), _("生成时间"), _("门店"), _("申请人"), _("审批人"), _("状态"),
        _("物料名称"), _("数量"), _("单位"), _("单价（元）"), _("金额（元）"), _("合计金额（元）"),
    ]  # fmt: skip
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet(_("采购单"))
    bold = workbook.add_format({"bold": True, "bg_color": "#EEF3FA"})
    money = workbook.add_format({"num_format": "#,##0.00"})
    xlsx_row(sheet, 0, headings, bold)
    row = 1
    for order in orders.iterator(chunk_size=500):
        created = timezone.localtime(order.created_at).strftime("%Y-%m-%d %H:%M")
        head: list[Any] = [
            order.number,
            created,
            order.store.name if order.store else "",
            order.requester.display_name,
            order.approver.display_name if order.approver else "",
            order.get_status_display(),
        ]
        for item in order.items or [{}]:
            if row > MAX_ROWS:
                break
            values = [
                item.get("name", ""),
                Decimal(item["qty"]) if item.get("qty") else None,
                item.get("unit", ""),
                Decimal(item["price"]) if item.get("price") else None,
                Decimal(item["amount"]) if item.get("amount") else None,
                order.total,
            ]
            xlsx_row(sheet, row, head)
            for col, value in enumerate(values, start=len(head)):
                xlsx_cell(sheet, row, col, value, money if col >= len(head) + 3 else None)
            row += 1
    sheet.set_column(0, len(headings) - 1, 14)
    sheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()
