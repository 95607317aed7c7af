"""Export stores and employees to Excel, in the same columns the import reads."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from yunying.core.errors import NotFound
from yunying.core.tabular import xlsx_workbook
from yunying.org import selectors
from yunying.org.imports import HEADINGS


def export_xlsx(*, user: Any, kind: str) -> bytes:
    if kind == "stores":
        rows = [
            [
                s.code,
                s.name,
                s.area,
                s.region.code if s.region else "",
                s.opened_on or "",
                s.address,
                s.phone,
                s.time_zone,
            ]
            for s in selectors.store_list(user=user)
        ]
        return xlsx_workbook(HEADINGS["stores"], rows)
    if kind == "employees":
        rows = []
        for e in selectors.employee_list(user=user):
            appointments = e.active_appointments or [None]  # type: ignore[attr-defined]
            for a in appointments:
                rows.append(
                    [
                        e.employee_no,
                        e.name,
                        e.phone,
                        e.hired_on or "",
                        a.position.code if a else "",
                        a.unit.code if a else "",
                        a.started_on if a else "",
                    ]
                )
        return xlsx_workbook(HEADINGS["employees"], rows)
    raise NotFound(_("未知的导出类型。"))


def template_xlsx(*, kind: str) -> bytes:
    if kind not in HEADINGS:
        raise NotFound(_("未知的模板。"))
    return xlsx_workbook(HEADINGS[kind], [])
