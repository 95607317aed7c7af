"""The rendered form (inputs named by path, errors beside fields, live-computation config) and the read-only
rendering of stored data."""

from __future__ import annotations

import json
import re

import pytest
from django.http import QueryDict
from django.utils import translation
from django.utils.datastructures import MultiValueDict

from yunying.forms.files import file_token
from yunying.forms.posted import form_post_parse
from yunying.forms.rendering import render_form, render_readonly
from yunying.forms.selectors import form_version_current
from yunying.forms.tests.factories import field, version_with
from yunying.forms.validation import form_submission_validate

pytestmark = pytest.mark.django_db


def test_purchase_form_renders_inputs_table_and_config(chain):
    version = form_version_current(key="material_purchase")
    html = render_form(version, user=chain.users["area_a"], prefix="f-")
    assert 'name="f-reason"' in html
    assert 'name="f-items[0].qty"' in html
    assert 'name="f-items[__row__].qty"' in html  # the new-row template
    assert 'data-yy-computed="total"' in html
    assert "申购门店" in html and "物料明细" in html and "添加一行" in html
    stores = re.findall(r'<option value="([A-Z]\d)"', html)
    assert stores == ["A1", "A2", "A3", "A4"]  # the area manager's stores only
    config = json.loads(re.search(r'<script type="application/json">(.*?)</script>', html, re.S).group(1))
    assert config["prefix"] == "f-"
    assert [f["key"] for f in config["fields"]] == ["store", "reason", "items", "total", "attachments"]
    assert config["fields"][2]["columns"][4]["expression"] == "qty * price"


def test_errors_are_shown_next_to_their_fields():
    version = version_with(
        field("qty", "number", required=True), field("rows", "table", columns=[field("x", "text")])
    )
    errors = [{"field": "qty", "message": "此项必填。"}, {"field": "rows[1].x", "message": "太长了"}]
    html = render_form(version, data={"qty": "", "rows": [{"x": "a"}, {"x": "bbbb"}]}, errors=errors)
    assert re.search(
        r'name="qty"[^>]*>\s*<div class="invalid-feedback d-block" data-yy-error="qty">此项必填。', html
    )
    assert 'data-yy-error="rows[1].x">太长了' in html
    assert 'value="bbbb"' in html


def test_labels_follow_the_language():
    version = version_with(field("qty", "number", label_zh="数量", label_en="Quantity"))
    with translation.override("en"):
        assert "Quantity" in render_form(version)
    assert "数量" in render_form(version)


def test_hidden_fields_render_hidden():
    version = version_with(field("b", "boolean"), field("why", "text", visible_if="b"))
    assert re.search(r'data-yy-field="why"\s+hidden', render_form(version, data={"b": "false"}))
    assert not re.search(r'data-yy-field="why"\s+hidden', render_form(version, data={"b": "true"}))


def test_post_round_trip_through_the_rendered_names(chain):
    version = form_version_current(key="material_purchase")
    post = QueryDict(mutable=True)
    post.update({"f-store": "A1", "f-reason": "补货", "csrfmiddlewaretoken": "x"})
    post.update(
        {"f-items[0].name": "油", "f-items[0].qty": "2", "f-items[0].unit": "桶", "f-items[0].price": "99"}
    )
    post.update(
        {"f-items[1].name": "盐", "f-items[1].qty": "1", "f-items[1].unit": "袋", "f-items[1].price": "3.5"}
    )
    data, files = form_post_parse(version, post, MultiValueDict(), prefix="f-")
    assert data["items"][1] == {"name": "盐", "qty": "1", "unit": "袋", "price": "3.5"}
    cleaned = form_submission_validate(version=version, data=data, files=files, user=chain.users["store_a1"])
    assert cleaned.data["total"] == "201.50"


def test_readonly_shows_labels_names_totals_and_files(chain):
    version = form_version_current(key="material_purchase")
    data = {
        "store": "A1",
        "reason": "周末\n备货",
        "items": [
            {"name": "面粉", "qty": 10, "unit": "袋", "price": "85.00", "amount": "850.00"},
            {"name": "油", "qty": 2, "unit": "桶", "price": "1200.00", "amount": "2400.00"},
        ],
        "total": "3250.00",
        "attachments": [
            {"name": "报价.pdf", "size": 3, "content_type": "application/pdf", "path": "forms/x.pdf"}
        ],
    }
    html = render_readonly(version, data)
    assert "申购门店" in html and chain.stores_a[0].name in html
    assert "周末<br>备货" in html
    assert "¥3,250.00" in html
    # Each sum carries its column's label (a phone shows the footer as a card); columns without a sum stay empty.
    assert re.search(
        r"合计</td><td data-empty></td><td class=\"text-end\" data-label=\"[^\"]+\">12</td>", html
    )
    assert "3,250.00" in html
    assert "报价.pdf" in html and "/forms/files/" in html


def test_editing_stored_files_keeps_them_as_tokens():
    version = version_with(field("doc", "attachment"))
    ref = {"name": "a.pdf", "size": 3, "content_type": "application/pdf", "path": "forms/a.pdf"}
    html = render_form(version, data={"doc": [ref]})
    assert f'value="{file_token(ref)}"' in html
