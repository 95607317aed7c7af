"""Exports are inert: text that a spreadsheet would run as a formula is written as text in every export."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
import xlsxwriter
from django.test import Client
from openpyxl import load_workbook

from yunying.analytics.factories import ProductFactory
from yunying.analytics.tests.conftest import ops, run_file  # noqa: F401  (fixture)
from yunying.core.tabular import csv_cell, xlsx_row
from yunying.org.models import Employee, Store

pytestmark = pytest.mark.django_db

HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0",
    "+8613800000000",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
]


def _cells(content: bytes) -> list[tuple[str | None, object]]:
    book = load_workbook(io.BytesIO(content))
    return [
        (cell.data_type, cell.value) for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
    ]


def _assert_inert(content: bytes, *expected: str) -> None:
    cells = _cells(content)
    assert not [value for kind, value in cells if kind == "f"], "a formula came out of the export"
    texts = {value for kind, value in cells if kind == "s"}
    for text in expected:
        assert text in texts


def test_helpers_keep_numbers_and_neutralise_text():
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    xlsx_row(book.add_worksheet(), 0, [*HOSTILE, -5, Decimal("-1.5"), 3, "普通", None, date(2025, 1, 2)])
    book.close()
    cells = _cells(buffer.getvalue())
    assert [v for k, v in cells if k == "n"][:3] == [-5, -1.5, 3]
    _assert_inert(buffer.getvalue(), *HOSTILE[:5], "普通")
    out = io.StringIO()
    csv.writer(out).writerow([csv_cell(v) for v in [*HOSTILE, -5, "普通", None]])
    row = next(csv.reader(io.StringIO(out.getvalue())))
    assert row[: len(HOSTILE)] == ["'" + h for h in HOSTILE]
    assert row[len(HOSTILE) :] == ["-5", "普通", ""]


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_people_and_store_exports_are_inert(chain):
    store = Store.objects.get(code="A1")
    store.name, store.phone, store.address = HOSTILE[0], HOSTILE[2], HOSTILE[4]
    store.save()
    employee = Employee.objects.filter(appointments__unit=store).first()
    employee.name, employee.phone = HOSTILE[1], HOSTILE[3]
    employee.save()
    client = _client(chain.users["mgmt"])
    stores = client.get("/org/export/stores.xlsx")
    assert stores.status_code == 200
    _assert_inert(stores.content, HOSTILE[0], HOSTILE[2], HOSTILE[4])
    people = client.get("/org/export/employees.xlsx")
    _assert_inert(people.content, HOSTILE[1], HOSTILE[3])
    template = client.get("/org/template/stores.xlsx")
    assert template.status_code in (200, 404)


@pytest.fixture
def hostile_sales(chain, ops):  # noqa: F811
    Store.objects.filter(code="A1").update(name=HOSTILE[0])
    ProductFactory(code="P1", name=HOSTILE[1])
    lines = ["store_code,date,net_sales,tickets,customers,channel"]
    products = ["store_code,date,product_code,qty,amount"]
    day = date(2025, 3, 1)
    while day <= date(2025, 4, 30):
        for code in ("A1", "B1"):
            lines.append(f"{code},{day},{1000 + day.day},20,30,堂食")
            products.append(f"{code},{day},P1,{day.day},{day.day * 10}")
        day += timedelta(days=1)
    assert run_file(ops, "\n".join(lines).encode(), "s.csv").status == "done"
    assert run_file(ops, "\n".join(products).encode(), "p.csv").status == "done"
    return _client(ops)


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ("monthly", [HOSTILE[0]]),
        ("weekly", [HOSTILE[0]]),
        ("products", [HOSTILE[1]]),
        ("rankings", [HOSTILE[0]]),
        ("kpi", [HOSTILE[0]]),
    ],
)
def test_analytics_exports_are_inert(hostile_sales, page, expected):
    response = hostile_sales.get(f"/analytics/{page}/?month=2025-04&week=2025-04-14&export=xlsx")
    assert response.status_code == 200
    _assert_inert(response.content, *expected)


def test_targets_template_is_inert(hostile_sales):
    response = hostile_sales.get("/analytics/targets/template.xlsx")
    assert response.status_code == 200
    _assert_inert(response.content, HOSTILE[0])
