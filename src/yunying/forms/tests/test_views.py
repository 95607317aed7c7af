"""Form pages: list and create, designer, live preview, fill-in with server validation, pickers, files."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from yunying.forms.models import FormDefinition
from yunying.forms.tests.factories import field
from yunying.org.models import Employee

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_navigation_and_list_for_designers_only(chain):
    designer = client_for(chain.users["mgmt"])
    page = designer.get("/forms/")
    assert page.status_code == 200
    assert 'data-nav="forms"' in page.content.decode() and "物料申购" in page.content.decode()
    staff = client_for(chain.users["staff_a1"])
    assert 'data-nav="forms"' not in staff.get("/").content.decode()
    assert "新建表单" not in staff.get("/forms/").content.decode()
    assert staff.get("/forms/material_purchase/design/").status_code == 403


def test_create_then_design(chain):
    designer = client_for(chain.users["mgmt"])
    response = designer.post("/forms/", {"key": "daily_check", "name": "每日检查", "category": "巡检"})
    assert response.status_code == 302 and response["Location"] == "/forms/daily_check/design/"
    page = designer.get("/forms/daily_check/design/").content.decode()
    assert 'id="designer-state"' in page and "form_designer.js" in page
    bad = designer.post("/forms/", {"key": "Bad Key", "name": "x"})
    assert "表单标识“Bad Key”无效" in bad.content.decode()
    assert FormDefinition.objects.filter(key="daily_check").exists()


def test_preview_renders_unsaved_fields_or_their_errors(chain):
    designer = client_for(chain.users["mgmt"])
    body = {"fields": [field("qty", "number", label_zh="数量"), field("x", "computed", expression="qty * 2")]}
    ok = designer.post("/forms/material_purchase/preview/", json.dumps(body), content_type="application/json")
    assert ok.status_code == 200 and 'name="preview-qty"' in ok.content.decode()
    body["fields"].append(field("qty", "text"))
    bad = designer.post(
        "/forms/material_purchase/preview/", json.dumps(body), content_type="application/json"
    )
    assert bad.status_code == 422 and "字段标识“qty”重复。" in bad.content.decode()


def test_fill_shows_errors_then_the_cleaned_result(chain):
    client = client_for(chain.users["store_a1"])
    page = client.get("/forms/material_purchase/fill/")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.content.decode()
    bad = client.post(
        "/forms/material_purchase/fill/", {"store": "A1", "items[0].name": "油", "items[0].qty": "0"}
    )
    html = bad.content.decode()
    assert bad.status_code == 422
    assert 'data-yy-error="reason">此项必填。' in html and 'data-yy-error="items[0].qty">不能小于 1。' in html
    good = client.post(
        "/forms/material_purchase/fill/",
        {"store": "A1", "reason": "补货", "items[0].name": "油", "items[0].qty": "2", "items[0].unit": "桶",
         "items[0].price": "10"},
    )  # fmt: skip
    assert good.status_code == 200
    html = good.content.decode()
    assert 'data-testid="fill-result"' in html and "¥20.00" in html


def test_employee_options_are_scoped(chain):
    client = client_for(chain.users["store_a1"])
    staff = Employee.objects.get(user=chain.users["staff_a1"])
    other = Employee.objects.get(user=chain.users["area_b"])
    html = client.get("/forms/pickers/employees/", {"items[0].who": ""}).content.decode()
    assert staff.employee_no in html and other.employee_no not in html
    assert staff.employee_no in client.get("/forms/pickers/employees/", {"q": "staff"}).content.decode()


def test_forged_file_token_is_not_found(chain):
    assert client_for(chain.users["mgmt"]).get("/forms/files/forged/").status_code == 404
