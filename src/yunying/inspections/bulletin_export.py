"""The bulletin as an Excel workbook: one sheet per part (ranking, not visited, frequent violations,
red lines, repeated). Text cells are always written as text, never as formulas."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.utils.translation import gettext as _

from yunying.inspections.bulletin import Bulletin, FindingLine


def _sheet(workbook: Any, title: str, headings: list[str], rows: list[list[Any]]) -> None:
    sheet = workbook.add_worksheet(title[:31])
    bold = workbook.add_format({"bold": True})
    for col, heading in enumerate(headings):
        sheet.write_string(0, col, heading, bold)
        sheet.set_column(col, col, 16)
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
                sheet.write_number(r, col, float(value))
            else:
                sheet.write_string(r, col, "" if value is None else str(value))


def _findings(lines: list[FindingLine]) -> list[list[Any]]:
    return [
        [
            line.finding.store.code,
            line.finding.store.name,
            line.finding.visit.visited_on.isoformat(),
            line.finding.section_title,
            line.finding.item_title,
            line.finding.get_status_display(),
        ]
        for line in lines
    ]


def bulletin_xlsx(bulletin: Bulletin) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    _sheet(
        workbook,
        _("门店得分排名"),
        [_("名次"), _("编码"), _("门店"), _("次数"), _("平均分"), _("不合格"), _("红线")],
        [
            [
                line.rank,
                line.code,
                line.name,
                line.visits,
                line.average,
                line.failed_visits,
                line.critical_failures,
            ]
            for line in bulletin.visited
        ],
    )
    _sheet(
        workbook,
        _("本期未检查门店"),
        [_("编码"), _("门店")],
        [[s.code, s.name] for s in bulletin.not_visited],
    )
    _sheet(
        workbook,
        _("高频问题"),
        [_("分区"), _("问题"), _("次数"), _("门店数")],
        [[v.section, v.item, v.count, v.stores] for v in bulletin.frequent],
    )
    finding_headings = [_("编码"), _("门店"), _("日期"), _("分区"), _("问题"), _("状态")]
    _sheet(workbook, _("红线项不合格"), finding_headings, _findings(bulletin.critical))
    _sheet(workbook, _("重复出现的问题"), finding_headings, _findings(bulletin.repeated))
    workbook.close()
    return buffer.getvalue()
