"""Each field type's valid and invalid values, through form_submission_validate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from yunying.core.errors import ValidationFailed
from yunying.forms.tests.factories import field, version_with
from yunying.forms.validation import form_submission_validate

pytestmark = pytest.mark.django_db

CHOICES = [
    {"value": "a", "label_zh": "甲", "label_en": "A"},
    {"value": "b", "label_zh": "乙", "label_en": "B"},
]


def ok(spec: dict[str, Any], raw: Any) -> Any:
    version = version_with(spec)
    cleaned = form_submission_validate(version=version, data={spec["key"]: raw}, user=None)
    return cleaned.values[spec["key"]], cleaned.data[spec["key"]]


def bad(spec: dict[str, Any], raw: Any) -> str:
    version = version_with(spec)
    with pytest.raises(ValidationFailed) as caught:
        form_submission_validate(version=version, data={spec["key"]: raw}, user=None)
    (error,) = caught.value.errors
    assert error["field"] == spec["key"]
    return str(error["message"])


def test_text():
    spec = field("t", "text", required=True, min_length=2, max_length=5, regex=r"[A-Z]\d+")
    assert ok(spec, " A12 ") == ("A12", "A12")
    assert bad(spec, "") == "此项必填。"
    assert bad(spec, "A") == "至少输入 2 个字。"
    assert bad(spec, "A12345") == "最多输入 5 个字（现在 6 个）。"
    assert bad(spec, "a12") == "格式不正确。"
    assert bad(spec, "A1\nB") == "只能输入一行文字。"
    assert bad(spec, {"x": 1}) == "请输入文字。"
    assert ok(field("o", "text"), "") == ("", "")


def test_textarea_keeps_lines():
    assert ok(field("t", "textarea"), "第一行\r\n第二行  ") == ("第一行\n第二行", "第一行\n第二行")
    assert bad(field("t", "textarea", max_length=3), "一二三四") == "最多输入 3 个字（现在 4 个）。"


def test_number():
    spec = field("n", "number", min=1, max=100)
    assert ok(spec, "12") == (12, 12)
    assert ok(spec, 7) == (7, 7)
    assert bad(spec, "1.5") == "请输入整数。"
    assert bad(spec, "0") == "不能小于 1。"
    assert bad(spec, "101") == "不能大于 100。"
    assert bad(spec, "abc") == "请输入数字。"
    assert bad(spec, True) == "请输入数字。"
    assert bad(spec, "NaN") == "请输入有效的数字。"
    spec = field("n", "number", decimals=2)
    assert ok(spec, "1.5") == (Decimal("1.50"), "1.50")
    assert bad(spec, "1.555") == "最多 2 位小数。"


def test_money_is_decimal_with_two_places():
    spec = field("m", "money", min=0)
    assert ok(spec, "1,234.5") == (Decimal("1234.50"), "1234.50")
    assert ok(spec, 0.1) == (Decimal("0.10"), "0.10")
    assert bad(spec, "1.001") == "最多 2 位小数。"
    assert bad(spec, "-1") == "不能小于 0。"


def test_date_and_datetime():
    spec = field("d", "date", min="2025-01-01", max="2025-12-31")
    assert ok(spec, "2025-03-08") == (dt.date(2025, 3, 8), "2025-03-08")
    assert bad(spec, "2024-12-31") == "不能小于 2025-01-01。"
    assert bad(spec, "2025-02-30") == "请输入有效的日期（年-月-日）。"
    value, stored = ok(field("t", "datetime"), "2025-03-08T09:30")
    assert stored == "2025-03-08T09:30:00+08:00"
    assert value == dt.datetime(2025, 3, 8, 1, 30, tzinfo=dt.UTC)
    assert ok(field("t", "datetime"), "2025-03-08T01:30:00Z")[1] == "2025-03-08T09:30:00+08:00"
    assert bad(field("t", "datetime"), "tomorrow") == "请输入有效的日期时间。"


def test_choices():
    assert ok(field("c", "choice", choices=CHOICES), "b") == ("b", "b")
    assert bad(field("c", "choice", choices=CHOICES, required=True), "") == "请选择。"
    assert bad(field("c", "choice", choices=CHOICES), "z") == "请从选项中选择。"
    spec = field("m", "multichoice", choices=CHOICES, min=1, max=1)
    assert ok(field("m", "multichoice", choices=CHOICES), ["b", "a", "b"]) == (["a", "b"], ["a", "b"])
    assert bad(spec, ["a", "b"]) == "最多选择 1 项。"
    assert bad(spec, ["z"]) == "选项“z”不存在。"


def test_yes_no():
    assert ok(field("y", "boolean"), "true") == (True, True)
    assert ok(field("y", "boolean"), False) == (False, False)
    assert ok(field("y", "boolean"), "否") == (False, False)
    assert bad(field("y", "boolean", required=True), "") == "请选择。"
    assert bad(field("y", "boolean"), "maybe") == "请选择“是”或“否”。"


def test_messages_follow_the_users_language():
    with translation.override("en"):
        assert bad(field("n", "number", min=1), "0") == "Must not be less than 1."
        assert bad(field("t", "text", required=True), "") == "This field is required."


def test_several_errors_one_message_per_field_and_nothing_cleaned():
    version = version_with(field("a", "number", required=True, min=5), field("b", "text", required=True))
    with pytest.raises(ValidationFailed) as caught:
        form_submission_validate(version=version, data={"a": "1"}, user=None)
    assert caught.value.errors == [
        {"field": "a", "message": "不能小于 5。"},
        {"field": "b", "message": "此项必填。"},
    ]
    assert str(caught.value) == "提交的表单有误，请检查标出的字段。"


def test_data_must_be_an_object():
    version = version_with(field("a", "text"))
    with pytest.raises(ValidationFailed):
        form_submission_validate(version=version, data=["a"], user=None)  # type: ignore[arg-type]


def test_hidden_fields_are_not_required_and_dropped():
    version = version_with(
        field("broken", "boolean", required=True),
        field("detail", "text", required=True, visible_if="broken"),
        field("cost", "money", visible_if="broken"),
        field("big", "text", required=True, visible_if="cost > 1000"),
    )
    cleaned = form_submission_validate(
        version=version, data={"broken": "false", "detail": "ignored", "cost": "5000"}, user=None
    )
    assert cleaned.data == {"broken": False, "detail": "", "cost": None, "big": ""}
    with pytest.raises(ValidationFailed) as caught:
        form_submission_validate(version=version, data={"broken": "true", "cost": "5000"}, user=None)
    assert [e["field"] for e in caught.value.errors] == ["detail", "big"]
