"""Excel exports of the reports (XlsxWriter): one sheet per table, headings bold, numbers as numbers."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.http import HttpResponse
from django.utils.translation import gettext as _

from yunying.analytics.reports.board import MEASURES, KpiBoard, Ranking
from yunying.analytics.reports.monthly import MonthlyReport
from yunying.analytics.reports.products import ProductReport
from yunying.analytics.reports.weekly import WeeklyReport
from yunying.core.tabular import xlsx_cell, xlsx_row

Sheet = tuple[str, Sequence[Any], Sequence[Sequence[Any]]]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(sheets: list[Sheet]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#f1f5f9", "border": 1})
    money = book.add_format({"num_format": "#,##0.00"})
    for title, headings, rows in sheets:
        sheet = book.add_worksheet(title[:31])
        xlsx_row(sheet, 0, [str(h) for h in headings], bold)
        sheet.freeze_panes(1, 0)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                if isinstance(value, Decimal):
                    sheet.write_number(r, c, float(value), money)
                elif isinstance(value, date):
                    sheet.write_string(r, c, value.isoformat())
                else:
                    xlsx_cell(sheet, r, c, value)  # text as text, never a formula
        sheet.set_column(0, max(len(headings) - 1, 0), 14)
    book.close()
    return buffer.getvalue()


def response(filename: str, sheets: list[Sheet]) -> HttpResponse:
    result = HttpResponse(workbook(sheets), content_type=XLSX)
    result["Content-Disposition"] = f'attachment; filename="{filename}"'
    return result


def monthly_sheets(report: MonthlyReport) -> list[Sheet]:
    headings = [
        _("排名"),
        _("门店编码"),
        _("门店"),
        _("区域"),
        _("销售额"),
        _("单数"),
        _("客数"),
        _("客单价"),
        _("上月"),
        _("环比 %"),
        _("去年同月"),
        _("同比 %"),
        _("指标"),
        _("达成 %"),
    ]
    stores = [
        [
            s.rank,
            s.store.code,
            s.store.name,
            s.store.region_name,
            s.sales,
            s.tickets,
            s.customers,
            s.avg_ticket,
            s.last_month,
            s.mom_pct,
            s.last_year,
            s.yoy_pct,
            s.target,
            s.attainment_pct,
        ]
        for s in sorted(report.stores, key=lambda s: s.rank or 10**6)
        if s.store
    ]
    regions = [
        [
            r.rank,
            r.code,
            r.name,
            "",
            r.sales,
            r.tickets,
            r.customers,
            r.avg_ticket,
            r.last_month,
            r.mom_pct,
            r.last_year,
            r.yoy_pct,
            r.target,
            r.attainment_pct,
        ]
        for r in report.regions
    ]
    return [(_("门店"), headings, stores), (_("区域"), headings, regions)]


def weekly_sheets(report: WeeklyReport) -> list[Sheet]:
    headings = [
        _("排名"),
        _("门店编码"),
        _("门店"),
        _("区域"),
        _("销售额"),
        _("单数"),
        _("客单价"),
        _("上周"),
        _("周环比 %"),
        _("去年同周"),
        _("同比 %"),
    ]
    rows = [
        [
            s.rank,
            s.code,
            s.name,
            s.region_name,
            s.sales,
            s.tickets,
            s.avg_ticket,
            s.last_week,
            s.wow_pct,
            s.last_year,
            s.yoy_pct,
        ]
        for s in sorted(report.stores, key=lambda s: s.rank or 10**6)
    ]
    regions = [
        [
            r.rank,
            r.code,
            r.name,
            "",
            r.sales,
            r.tickets,
            r.avg_ticket,
            r.last_week,
            r.wow_pct,
            r.last_year,
            r.yoy_pct,
        ]
        for r in report.regions
    ]
    return [(_("门店"), headings, rows), (_("区域"), headings, regions)]


def product_sheets(report: ProductReport) -> list[Sheet]:
    headings = [
        _("排名"),
        _("商品编码"),
        _("商品"),
        _("类别"),
        _("数量"),
        _("销售额"),
        _("占比 %"),
        _("累计 %"),
        _("ABC"),
        _("环比 %"),
        _("售卖门店数"),
        _("门店覆盖 %"),
        _("均价"),
    ]
    rows = [
        [
            p.rank,
            p.code,
            p.name,
            p.category,
            p.qty,
            p.amount,
            p.share_pct,
            p.cumulative_pct,
            p.abc,
            p.change_pct,
            p.stores,
            p.coverage_pct,
            p.avg_price,
        ]
        for p in report.products
    ]
    retire = [[p.code, p.name, p.abc, p.change_pct, p.coverage_pct] for p in report.retire]
    promote = [[p.code, p.name, p.abc, p.change_pct, p.coverage_pct] for p in report.promote]
    short = [_("商品编码"), _("商品"), _("ABC"), _("环比 %"), _("门店覆盖 %")]
    return [(_("商品"), headings, rows), (_("建议淘汰"), short, retire), (_("建议推广"), short, promote)]


def ranking_sheets(result: Ranking) -> list[Sheet]:
    headings = [_("排名"), _("门店编码"), _("门店"), _("区域"), str(MEASURES[result.measure])]
    rows = [
        [p, line.store.code, line.store.name, line.store.region_name, v]
        for p, line, v in result.lines
        if line.store
    ]
    return [(_("排名"), headings, rows)]


def kpi_sheets(board: KpiBoard) -> list[Sheet]:
    headings = [
        _("门店编码"),
        _("门店"),
        _("销售额"),
        _("单数"),
        _("客数"),
        _("客单价"),
        _("巡店得分"),
        _("顾客投诉"),
        _("投诉率（每万单）"),
        _("配送事故"),
    ] + [str(p[1]) for p in board.pending]
    rows = [
        [
            s.store.code,
            s.store.name,
            s.sales,
            s.tickets,
            s.customers,
            s.avg_ticket,
            board.inspection_score(s),
            *board.figures(s),
        ]
        + [_("暂无")] * len(board.pending)
        for s in board.stores
        if s.store
    ]
    return [(_("KPI"), headings, rows)]
