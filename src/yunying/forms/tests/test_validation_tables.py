"""Detail tables, column totals and computed fields: evaluated on the server, client values ignored."""

from __future__ import annotations

from decimal import Decimal

import pytest

from yunying.core.errors import ValidationFailed
from yunying.forms.selectors import form_version_current
from yunying.forms.tests.factories import field, version_with
from yunying.forms.validation import form_submission_validate

pytestmark = pytest.mark.django_db


def purchase_version():
    return version_with(
        field("rate", "number", decimals=2, default="1"),
        field(
            "items",
            "table",
            required=True,
            max_rows=3,
            columns=[
                field("name", "text", required=True),
                field("qty", "number", required=True, min=1, total=True),
                field("price", "money", required=True, total=True),
                field("amount", "computed", expression="qty * price * rate", result_type="money", total=True),
            ],
        ),
        field("total", "computed", expression='sumproduct(items, "qty", "price")', result_type="money"),
        field("big", "computed", expression="total > 100", result_type="boolean"),
        field("lines", "computed", expression="len(items)"),
    )


def test_rows_totals_and_computed_fields():
    version = purchase_version()
    data = {
        "rate": "1.5",
        "items": [
            {"name": "食用油", "qty": "2", "price": "45.5", "amount": "999"},
            {"name": "", "qty": "", "price": ""},  # a blank row is dropped
            {"name": "大米", "qty": 3, "price": "10"},
        ],
        "total": "1",  # computed: the client's value is ignored
    }
    cleaned = form_submission_validate(version=version, data=data, user=None)
    assert cleaned.values["items"] == [
        {"name": "食用油", "qty": 2, "price": Decimal("45.50"), "amount": Decimal("136.50")},
        {"name": "大米", "qty": 3, "price": Decimal("10.00"), "amount": Decimal("45.00")},
    ]
    assert cleaned.values["total"] == Decimal("121.00")
    assert cleaned.values["big"] is True
    assert cleaned.values["lines"] == 2
    assert cleaned.totals == {"items": {"qty": 5, "price": Decimal("55.50"), "amount": Decimal("181.50")}}
    assert cleaned.data["items"][0] == {"name": "食用油", "qty": 2, "price": "45.50", "amount": "136.50"}
    assert cleaned.data["total"] == "121.00"


def test_errors_name_the_row_and_column():
    version = purchase_version()
    data = {
        "rate": "1",
        "items": [{"name": "油", "qty": "2", "price": "5"}, {"name": "", "qty": "0", "price": "x"}],
    }
    with pytest.raises(ValidationFailed) as caught:
        form_submission_validate(version=version, data=data, user=None)
    assert caught.value.errors == [
        {"field": "items[1].name", "message": "此项必填。"},
        {"field": "items[1].qty", "message": "不能小于 1。"},
        {"field": "items[1].price", "message": "请输入数字。"},
    ]


def test_required_table_and_row_limits():
    version = purchase_version()
    with pytest.raises(ValidationFailed) as caught:
        form_submission_validate(version=version, data={"items": [{"name": " "}]}, user=None)
    assert caught.value.errors == [{"field": "items", "message": "请至少填写 1 行。"}]
    rows = [{"name": "x", "qty": 1, "price": 1}] * 4
    with pytest.raises(ValidationFailed) as caught:
        form_submission_validate(version=version, data={"items": rows}, user=None)
    assert caught.value.errors == [{"field": "items", "message": "最多填写 3 行。"}]
    with pytest.raises(ValidationFailed) as caught:
        form_submission_validate(version=version, data={"items": "rows"}, user=None)
    assert caught.value.errors == [{"field": "items", "message": "明细数据格式不正确。"}]


def test_rows_sent_as_an_indexed_mapping():
    version = purchase_version()
    data = {
        "rate": "1",
        "items": {"1": {"name": "b", "qty": 1, "price": 2}, "0": {"name": "a", "qty": 1, "price": 1}},
    }
    cleaned = form_submission_validate(version=version, data=data, user=None)
    assert [r["name"] for r in cleaned.values["items"]] == ["a", "b"]


def test_computed_failure_is_reported_when_inputs_are_present():
    version = version_with(
        field("a", "number"), field("b", "number"), field("ratio", "computed", expression="a / b", decimals=2)
    )
    assert form_submission_validate(version=version, data={"a": 1, "b": 4}, user=None).values[
        "ratio"
    ] == Decimal("0.25")
    assert form_submission_validate(version=version, data={"a": 1}, user=None).values["ratio"] is None
    with pytest.raises(ValidationFailed) as caught:
        form_submission_validate(version=version, data={"a": 1, "b": 0}, user=None)
    assert caught.value.errors == [{"field": "ratio", "message": "无法计算：division by zero"}]


def test_computed_fields_in_dependency_order():
    version = version_with(
        field("c", "computed", expression="b * 2"),
        field("b", "computed", expression="a + 1"),
        field("a", "number"),
    )
    assert form_submission_validate(version=version, data={"a": 1}, user=None).values == {
        "c": 4,
        "b": 2,
        "a": 1,
    }


def test_the_seeded_purchase_form(chain):
    version = form_version_current(key="material_purchase")
    data = {
        "store": "A1",
        "reason": "周末备货",
        "items": [{"name": "面粉", "qty": "10", "unit": "袋", "price": "85.00"}],
    }
    cleaned = form_submission_validate(version=version, data=data, user=chain.users["store_a1"])
    assert cleaned.data["total"] == "850.00"
    assert cleaned.data["items"][0]["amount"] == "850.00"
    assert cleaned.data["attachments"] == []
