"""A checklist through Excel: export, edit, import as the next version; every bad row reported, nothing
published while one remains; unused columns named back."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import Workbook, load_workbook

from yunying.core.errors import PermissionDenied
from yunying.inspections import checklist_excel, selectors
from yunying.inspections.factories import small_template
from yunying.inspections.models import TemplateVersion


def _xlsx(rows: list[list[object]], header: list[str] | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header or checklist_excel.HEADINGS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _exported_rows(version: TemplateVersion) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(checklist_excel.checklist_export(version))).active
    return [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]


@pytest.mark.django_db
def test_export_then_import_publishes_the_same_checklist_as_the_next_version(chain):
    version = small_template()
    rows = _exported_rows(version)
    assert [r[2] for r in rows] == ["door", "floor", "exit", "drill"]
    rows[1][3] = "地面干净无积水"  # edit a title
    result = checklist_excel.checklist_import(
        actor=chain.users["mgmt"], template=version.template, filename="c.xlsx", content=_xlsx(rows)
    )
    assert not result.errors and result.version is not None and result.version.number == 2
    new = selectors.version_current(version.template)
    assert new.pk == result.version.pk and new.critical_rule == version.critical_rule
    assert new.sections[0]["items"][1]["title"] == "地面干净无积水"
    assert new.sections[0]["items"][1]["max_points"] == 5
    assert new.sections[1]["items"][0]["critical"] is True
    assert _exported_rows(new)[0][2:] == rows[0][2:]


@pytest.mark.django_db
def test_every_bad_row_is_reported_and_nothing_is_published(chain):
    version = small_template()
    rows = _exported_rows(version)
    rows[0][4] = "打勾"  # unknown scoring
    rows[1][5] = 0  # points without a valid maximum
    rows[0][7] = "也许"  # not a yes/blank flag
    rows[3][1] = "别的名字"  # the same section key with another title
    result = checklist_excel.checklist_import(
        actor=chain.users["mgmt"],
        template=version.template,
        filename="c.xlsx",
        content=_xlsx(rows, [*checklist_excel.HEADINGS, "备用"]),
    )
    assert {(e.row, e.column) for e in result.errors} == {
        (2, "评分方式"),
        (2, "红线项"),
        (3, "满分"),
        (5, "分区"),
    }
    assert result.unused_columns == ["备用"]
    assert result.version is None and version.template.versions.count() == 1


@pytest.mark.django_db
def test_only_people_allowed_to_change_checklists(chain):
    version = small_template()
    with pytest.raises(PermissionDenied):
        checklist_excel.checklist_import(
            actor=chain.users["supervisor"], template=version.template, filename="c.xlsx", content=b""
        )


@pytest.mark.django_db
def test_pages_export_and_import(chain):
    version = small_template()
    client = Client()
    client.force_login(chain.users["mgmt"])
    exported = client.get(f"/inspections/templates/{version.template.key}.xlsx")
    assert exported.status_code == 200 and exported["Content-Disposition"].startswith("attachment")
    bad = io.BytesIO(_xlsx([["s", "分区", "k", "", "是/否"]]))
    bad.name = "bad.xlsx"
    page = client.post(f"/inspections/templates/{version.template.key}/import/", {"file": bad})
    assert page.status_code == 400 and "检查项" in page.content.decode()
    good = io.BytesIO(exported.content)
    good.name = "good.xlsx"
    done = client.post(f"/inspections/templates/{version.template.key}/import/", {"file": good})
    assert done.status_code == 302 and version.template.versions.count() == 2
    staff = Client()
    staff.force_login(chain.users["staff_a1"])
    refused = staff.post(f"/inspections/templates/{version.template.key}/import/", {"file": good})
    assert refused.status_code == 403 and version.template.versions.count() == 2
