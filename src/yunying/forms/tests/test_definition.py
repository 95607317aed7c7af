"""Checking a form definition: every rule gives a precise message on the right field and property."""

from __future__ import annotations

from typing import Any

import pytest

from yunying.core.errors import ValidationFailed
from yunying.forms.definition import definition_clean
from yunying.forms.seed import MATERIAL_PURCHASE
from yunying.forms.tests.factories import field


def errors_of(fields: Any) -> list[tuple[str, str, str]]:
    with pytest.raises(ValidationFailed) as caught:
        definition_clean(fields)
    return [(e["field"], e["property"], e["message"]) for e in caught.value.errors]  # type: ignore[misc]


def test_the_shipped_purchase_form_is_valid():
    cleaned = definition_clean(MATERIAL_PURCHASE["fields"])
    assert [f["key"] for f in cleaned] == ["store", "reason", "items", "total", "attachments"]


def test_empty_and_non_list():
    assert errors_of([]) == [("", "", "表单至少需要一个字段。")]
    assert errors_of({"a": 1})[0][2] == "字段列表必须是数组。"


def test_keys_must_be_identifiers_and_unique():
    found = errors_of(
        [
            field("ok", "text"),
            field("ok", "text"),
            field("2bad", "text"),
            field("sum", "number"),
            {"type": "text"},
        ]
    )
    assert ("ok", "key", "字段标识“ok”重复。") in found
    assert any(f == "fields[2]" and p == "key" and "无效" in m for f, p, m in found)
    assert ("fields[3]", "key", "字段标识“sum”是保留字，请换一个。") in found
    assert ("fields[4]", "key", "请填写字段标识。") in found


def test_labels_types_and_properties():
    found = errors_of(
        [
            {"key": "a", "type": "text"},
            field("b", "colour"),
            field("c", "number", regex="x"),
            field("d", "text", required="yes"),
        ]
    )
    assert ("a", "label_zh", "请填写中文标签。") in found
    assert ("b", "type", "字段类型“colour”不存在。") in found
    assert ("c", "regex", "属性“regex”不适用于数字字段。") in found
    assert ("d", "required", "“必填”只能是 true 或 false。") in found


def test_ranges_regex_and_defaults():
    found = errors_of(
        [
            field("a", "number", min=10, max=1),
            field("b", "text", regex="(unclosed"),
            field("c", "date", min="2025-13-01"),
            field("d", "money", default="abc"),
            field("e", "text", min_length=-1),
            field("f", "number", decimals=9),
        ]
    )
    assert ("a", "max", "最大值不能小于最小值。") in found
    assert any(f == "b" and p == "regex" and m.startswith("正则表达式无效") for f, p, m in found)
    assert ("c", "min", "“min”的值无效。") in found
    assert ("d", "default", "默认值无效：请输入数字。") in found
    assert ("e", "min_length", "须为 0 到 5000 之间的整数。") in found
    assert ("f", "decimals", "须为 0 到 6 之间的整数。") in found


def test_choices_must_be_present_unique_and_labelled():
    found = errors_of(
        [
            field("a", "choice"),
            field(
                "b", "multichoice", choices=[{"value": "x", "label_zh": "X"}, {"value": "x", "label_zh": "Y"}]
            ),
            field("c", "choice", choices=[{"value": "", "label_zh": "空"}, {"value": "y"}]),
            field("d", "choice", choices=[{"value": "x", "label_zh": "X"}], default="z"),
        ]
    )
    assert ("a", "choices", "请至少添加一个选项。") in found
    assert ("b", "choices[1].value", "选项值“x”重复。") in found
    assert ("c", "choices[0].value", "第 1 个选项的值不能为空。") in found
    assert ("c", "choices[1].label_zh", "选项“y”缺少中文标签。") in found
    assert ("d", "default", "默认值无效：请从选项中选择。") in found


def test_computed_expressions_parse_and_reference_known_fields():
    found = errors_of(
        [
            field("qty", "number"),
            field("a", "computed", expression="qty *"),
            field("b", "computed", expression="qty * price"),
            field("c", "computed", expression="__import__('os')"),
            field("d", "computed"),
            field("e", "computed", expression="qty", required=True),
        ]
    )
    assert any(f == "a" and p == "expression" and "invalid syntax" in m for f, p, m in found)
    assert ("b", "expression", "表达式有误：unknown name 'price' (line 1, column 7)") in found
    assert any(f == "c" and "not allowed" in m for f, _p, m in found)
    assert ("d", "expression", "请填写计算公式。") in found
    assert ("e", "required", "计算字段不能设为必填。") in found


def test_cycles_among_computed_fields():
    found = errors_of(
        [
            field("a", "computed", expression="b + 1"),
            field("b", "computed", expression="c + 1"),
            field("c", "computed", expression="a + 1"),
        ]
    )
    assert found == [("a", "expression", "计算字段循环引用：a → b → c → a。")]


def test_table_columns():
    found = errors_of(
        [
            field("t", "table"),
            field(
                "items",
                "table",
                min_rows=5,
                max_rows=2,
                columns=[
                    field("qty", "number", total=True),
                    field("qty", "text"),
                    field("inner", "table", columns=[field("x", "text")]),
                    field("amount", "computed", expression="qty * price"),
                    field("note", "text", total=True, visible_if="qty > 1"),
                ],
            ),
        ]
    )
    assert ("t", "columns", "明细表至少需要一列。") in found
    assert ("items", "max_rows", "最大值不能小于最小值。") in found
    assert ("items.qty", "key", "字段标识“qty”重复。") in found
    assert ("items.inner", "type", "明细表中不能再放明细表。") in found
    assert ("items.note", "total", "只有数字、金额和数值计算列可以合计。") in found
    assert ("items.note", "visible_if", "明细表的列不支持显示条件。") in found


def test_row_computed_columns_see_their_row_and_top_level_inputs():
    cleaned = definition_clean(
        [
            field("rate", "number", decimals=2),
            field(
                "items",
                "table",
                columns=[field("qty", "number"), field("net", "computed", expression="qty * rate")],
            ),
        ]
    )
    assert cleaned[1]["columns"][1]["expression"] == "qty * rate"
    found = errors_of(
        [field("items", "table", columns=[field("qty", "number"), field("x", "computed", expression="total")]),
         field("total", "computed", expression="sum(col(items, 'qty'))")]
    )  # fmt: skip
    assert found == [("items.x", "expression", "表达式有误：unknown name 'total' (line 1, column 1)")]


def test_visible_if_only_refers_to_fields_above():
    found = errors_of(
        [
            field("a", "boolean", visible_if="b"),
            field("b", "boolean"),
            field("c", "text", visible_if="b and"),
        ]
    )
    assert found[0][:2] == ("a", "visible_if")
    assert "显示条件只能引用排在它前面的非计算字段" in found[0][2]
    assert found[1][:2] == ("c", "visible_if")
    assert definition_clean([field("b", "boolean"), field("c", "text", visible_if="b")])


def test_files():
    found = errors_of(
        [
            field("a", "attachment", accept=["pdf"], max_size_mb=500),
            field("b", "photo", max_files=0),
        ]
    )
    assert ("a", "accept", "允许的文件类型须写成扩展名列表，例如 .pdf、.xlsx。") in found
    assert ("a", "max_size_mb", "单个文件大小上限须在 0 到 50 MB 之间。") in found
    assert ("b", "max_files", "须为 1 到 20 之间的整数。") in found


def test_normalises_blank_properties():
    cleaned = definition_clean(
        [{"key": " a ", "type": "text", "label_zh": " 名称 ", "regex": "", "required": False}]
    )
    assert cleaned == [{"key": "a", "type": "text", "label_zh": "名称"}]
