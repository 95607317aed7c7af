from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from yunying.core.errors import DomainError
from yunying.org.imports import import_file
from yunying.org.models import Appointment, Employee, Store

pytestmark = pytest.mark.django_db

STORE_HEADER = "门店编码,门店名称,所在地区,区域编码,开业日期,地址,电话\n"


def _csv(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_store_csv_in_every_encoding(chain, encoding):
    content = _csv(STORE_HEADER + "N1,南京新店,南京,,2024-05-01,中山路1号,025-1\n", encoding)
    report = import_file(actor=chain.users["mgmt"], kind="stores", filename="s.csv", content=content)
    assert report.ok and report.written == 1
    store = Store.objects.get(code="N1")
    assert store.name == "南京新店" and store.parent == chain.mgmt


def test_bad_row_in_the_middle_writes_nothing_and_is_reported(chain):
    content = _csv(
        STORE_HEADER
        + "N1,店一,浦东,RA,2024-05-01,,\n"
        + "N2,店二,南京,RA,2024-13-01,,\n"  # wrong area for RA and a bad date
        + "N3,店三,浦东,RX,,,\n"  # unknown region
        + "N4,店四,浦东,RA,,,\n"
    )
    report = import_file(actor=chain.users["mgmt"], kind="stores", filename="s.csv", content=content)
    assert not report.ok
    assert report.written == 0
    rows = {(e.row, e.column) for e in report.errors}
    assert (3, "开业日期") in rows
    assert (4, "区域编码") in rows
    assert not Store.objects.filter(code__in=["N1", "N2", "N3", "N4"]).exists()


def test_empty_file_and_missing_columns_are_refused(chain):
    with pytest.raises(DomainError, match="空"):
        import_file(actor=chain.users["mgmt"], kind="stores", filename="s.csv", content=b"")
    with pytest.raises(DomainError, match="缺少必需的列"):
        import_file(actor=chain.users["mgmt"], kind="stores", filename="s.csv", content=_csv("门店编码\nX\n"))


def test_employees_from_xlsx_with_appointments(chain):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["工号", "姓名", "手机", "入职日期", "岗位", "单位编码", "任职日期"])
    sheet.append(["N001", "周新", "13800000000", "2024-01-02", "服务员", "A2", "2024-01-02"])
    sheet.append(["N002", "吴新", "", None, "CASHIER", "A2", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = import_file(
        actor=chain.users["mgmt"], kind="employees", filename="e.xlsx", content=buffer.getvalue()
    )
    assert report.ok, report.errors
    assert Employee.objects.filter(employee_no__in=["N001", "N002"]).count() == 2
    assert Appointment.objects.filter(employee__employee_no="N001", unit__code="A2").exists()


def test_reimporting_stores_updates_them(chain):
    content = _csv(STORE_HEADER + "A1,陆家嘴新名,浦东,RA,,,021-888\n")
    report = import_file(actor=chain.users["mgmt"], kind="stores", filename="s.csv", content=content)
    assert report.ok
    assert Store.objects.get(code="A1").name == "陆家嘴新名"
    assert Store.objects.filter(code="A1").count() == 1


def test_import_respects_scope_and_rules(chain):
    content = _csv(
        STORE_HEADER + "B1,闵行一店,闵行,,,,\n"
    )  # moving B1 out: region B keeps 4, allowed for mgmt
    report = import_file(actor=chain.users["area_a"], kind="stores", filename="s.csv", content=content)
    assert not report.ok  # an area manager of region A cannot touch region B's store


def test_a_bad_file_is_checked_outside_any_transaction_and_never_writes(chain):
    """Pass 1 reads only: a file whose last row is bad opens no write transaction at all."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rows = "".join(f"N{i},店{i},浦东,RA,,,\n" for i in range(1, 60))
    content = _csv(STORE_HEADER + rows + "N99,坏店,浦东,RX,,,\n")
    with CaptureQueriesContext(connection) as captured:
        report = import_file(actor=chain.users["mgmt"], kind="stores", filename="s.csv", content=content)
    assert not report.ok and [(e.row, e.column) for e in report.errors] == [(61, "区域编码")]
    verbs = {q["sql"].lstrip().split(" ", 1)[0].upper() for q in captured.captured_queries}
    assert verbs == {"SELECT"}, verbs
    assert not Store.objects.filter(code__startswith="N").exists()


def test_the_write_is_bounded_in_time_and_rolled_back_whole(chain, settings, monkeypatch):
    """Past YUNYING_IMPORT_WRITE_SECONDS the write is put back whole: nothing imported, a clear
    message; the clock is faked so the test does not wait."""
    from yunying.org import imports

    settings.YUNYING_IMPORT_WRITE_SECONDS = 5
    ticks = iter(range(0, 1000, 2))  # every row "takes" 2 s
    monkeypatch.setattr(imports.time, "monotonic", lambda: float(next(ticks)))
    rows = "".join(f"N{i},店{i},浦东,RA,,,\n" for i in range(1, 6))
    report = import_file(
        actor=chain.users["mgmt"], kind="stores", filename="s.csv", content=_csv(STORE_HEADER + rows)
    )
    assert not report.ok and report.written == 0
    [error] = report.errors
    assert "超过 5 秒" in error.message and "拆分" in error.message
    assert not Store.objects.filter(code__startswith="N").exists()
    # within the bound the same file imports whole
    settings.YUNYING_IMPORT_WRITE_SECONDS = 60
    report = import_file(
        actor=chain.users["mgmt"], kind="stores", filename="s.csv", content=_csv(STORE_HEADER + rows)
    )
    assert report.ok and report.written == 5


def test_a_failure_after_chunks_committed_puts_everything_back(chain, monkeypatch):
    """Rows are written a few at a time; a row refused by the services late in the file undoes every
    chunk already written: created stores gone, changed stores as before, no history left behind."""
    from yunying.org import imports
    from yunying.org.models import OrgUnit

    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    before = {s.code: (s.name, s.phone, s.parent_id, s.updated_at) for s in Store.objects.all()}
    history = OrgUnit.history.count()
    rows = "A1,陆家嘴新名,浦东,RA,,,021-888\n" + "".join(f"N{i},店{i},浦东,RA,,,\n" for i in range(1, 8))
    # B1 leaves region B (5 stores, 4 needed: allowed); B2 cannot follow it (row 11)
    late = "B1,闵行新名,闵行,,,,\nB2,闵行二号,闵行,,,,\n"
    content = _csv(STORE_HEADER + rows + late)
    report = import_file(actor=chain.users["mgmt"], kind="stores", filename="s.csv", content=content)
    assert not report.ok and report.written == 0
    assert [e.row for e in report.errors] == [11] and "少于组建区域所需" in report.errors[0].message
    after = {s.code: (s.name, s.phone, s.parent_id, s.updated_at) for s in Store.objects.all()}
    assert after == before
    assert OrgUnit.history.count() == history
    # without the bad row the same file imports whole, chunk after chunk
    report = import_file(
        actor=chain.users["mgmt"], kind="stores", filename="s.csv", content=_csv(STORE_HEADER + rows)
    )
    assert report.ok and report.written == 8
    assert Store.objects.filter(code__startswith="N").count() == 7
    assert Store.objects.get(code="A1").name == "陆家嘴新名"


def test_employees_and_appointments_are_put_back_when_a_late_row_fails(chain, monkeypatch):
    from yunying.org import imports

    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    counts = (Employee.objects.count(), Appointment.objects.count(), Employee.history.count())
    header = "工号,姓名,手机,入职日期,岗位,单位编码,任职日期\n"
    rows = "".join(f"N{i:03d},新人{i},,,服务员,A2,\n" for i in range(1, 6))
    content = _csv(header + rows + "N001,新人1,,,服务员,A2,\n")  # already in that seat (row 2)
    report = import_file(actor=chain.users["mgmt"], kind="employees", filename="e.csv", content=content)
    assert not report.ok and [e.row for e in report.errors] == [7]
    assert "已在该岗位任职" in report.errors[0].message
    assert (Employee.objects.count(), Appointment.objects.count(), Employee.history.count()) == counts
