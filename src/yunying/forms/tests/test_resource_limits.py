"""Form patterns run on RE2 with the input capped; computed fields run under the expression budget.
Each attack of the security review ends in a clear message on the field, and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from yunying.core.errors import ValidationFailed
from yunying.forms.definition import definition_clean
from yunying.forms.tests.factories import field, version_with
from yunying.forms.validation import form_submission_validate

pytestmark = pytest.mark.django_db

EVIL = r"^([a-zA-Z]+\s?)*$"


def errors_of(fields: Any) -> list[tuple[str, str, str]]:
    with pytest.raises(ValidationFailed) as caught:
        definition_clean(fields)
    return [(e["field"], e["property"], e["message"]) for e in caught.value.errors]  # type: ignore[misc]


def validate(version: Any, data: dict[str, Any]) -> dict[str, Any]:
    return form_submission_validate(version=version, data=data, user=None).values


def messages(version: Any, data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ValidationFailed) as caught:
        form_submission_validate(version=version, data=data, user=None)
    return [(e["field"], str(e["message"])) for e in caught.value.errors]


def test_a_catastrophic_pattern_answers_at_once_on_long_input() -> None:
    version = version_with(field("name", "text", label_zh="姓名", regex=EVIL, max_length=500))
    assert validate(version, {"name": "Li Lei " * 20})["name"] == ("Li Lei " * 20).strip()
    # With Python's backtracking engine these take hours (40 characters and one that does not match).
    assert messages(version, {"name": "a" * 45 + "!"}) == [("name", "格式不正确。")]
    assert messages(version, {"name": "ab " * 150 + "1"}) == [("name", "格式不正确。")]


@override_settings(YUNYING_FORM_PATTERN_MAX_INPUT=30)
def test_the_input_is_capped_before_matching() -> None:
    version = version_with(field("code", "text", regex=r"[A-Z]+", max_length=500))
    assert validate(version, {"code": "A" * 30})["code"] == "A" * 30
    assert messages(version, {"code": "A" * 31}) == [("code", "内容过长，无法检查格式（最多 30 个字）。")]


def test_patterns_re2_cannot_run_are_refused_at_save_naming_the_field() -> None:
    found = errors_of(
        [
            field("a", "text", label_zh="重复词", regex=r"(\w+) \1"),
            field("b", "text", label_zh="密码", regex=r"^(?=.*\d).{8,}$"),
            field("c", "text", label_zh="门牌", regex=r"(?<!-)\d+"),
            field("d", "text", label_zh="括号", regex=r"(unclosed"),
        ]
    )
    by_key = {key: message for key, prop, message in found if prop == "regex"}
    assert by_key["a"] == "正则表达式无效：字段“重复词”的格式不支持反向引用（如 \\1）。"
    assert by_key["b"] == "正则表达式无效：字段“密码”的格式不支持环视（如 (?=…)、(?!…)、(?<=…)）。"
    assert by_key["c"].startswith("正则表达式无效：字段“门牌”的格式")
    assert by_key["d"].startswith("正则表达式无效：字段“括号”的格式有误")


def test_usual_patterns_keep_working() -> None:
    version = version_with(
        field("phone", "text", regex=r"1[3-9]\d{9}"),
        field("hanzi", "text", regex=r"[\u4e00-\u9fff]{2,4}"),
        field("code", "text", regex=r"(?i)s\d{2}"),
    )
    values = validate(version, {"phone": "13800138000", "hanzi": "陆家嘴", "code": "s01"})
    assert values == {"phone": "13800138000", "hanzi": "陆家嘴", "code": "s01"}
    assert messages(version, {"phone": "1380013800x", "hanzi": "Lu", "code": "S01 "}) == [
        ("phone", "格式不正确。"),
        ("hanzi", "格式不正确。"),
    ]


def test_a_stored_pattern_re2_cannot_run_fails_closed() -> None:
    version = version_with(field("t", "text"))
    version.fields[0]["regex"] = r"(a)\1"  # saved before patterns were checked for RE2
    version.save()
    assert messages(version, {"t": "aa"}) == [("t", "此字段的格式规则无法使用，请联系表单设计者修改。")]


def test_computed_field_bombs_are_refused_at_save() -> None:
    found = errors_of(
        [
            field("n", "number"),
            field("a", "computed", label_zh="炸弹", expression="len([[[n]*10000]*10000]*10000)"),
            field("b", "computed", expression="len('a' * 10**9)"),
            field("c", "computed", expression="10**10**10"),
            field("d", "text", visible_if="str([[[n]*10000]*10000]*10000) == ''"),
        ]
    )
    by_key = {key: message for key, prop, message in found}
    assert set(by_key) == {"a", "b", "c", "d"}
    assert all(m.startswith("表达式有误：表达式超出计算限制") for m in by_key.values())


def test_a_computed_field_over_the_limits_is_a_validation_error() -> None:
    version = version_with(
        field("n", "number", label_zh="数量"),
        field("x", "computed", label_zh="结果", expression="len(str([[[n]*n]*n]*n)) if n else 0"),
    )
    assert validate(version, {"n": "3"})["x"] == len(str([[[3] * 3] * 3] * 3))
    found = messages(version, {"n": "10000"})
    assert len(found) == 1 and found[0][0] == "x"
    assert found[0][1].startswith("无法计算：表达式超出计算限制")


def test_a_computed_field_over_the_limits_is_shown_beside_other_errors() -> None:
    version = version_with(
        field("name", "text", required=True),
        field("n", "number"),
        field("x", "computed", expression="len(str([[[n]*n]*n]*n)) if n else 0"),
    )
    found = dict(messages(version, {"name": "", "n": "10000"}))
    assert found["name"] == "此项必填。"
    assert found["x"].startswith("无法计算：表达式超出计算限制")


def test_saving_a_form_through_the_api_refuses_bombs_and_bad_patterns(chain: Any) -> None:
    from django.test import Client

    from yunying.forms.models import FormVersion

    designer = Client()
    designer.force_login(chain.users["mgmt"])
    fields = [
        field("n", "number"),
        field("total", "computed", label_zh="合计", expression="len([[[n]*10000]*10000]*10000)"),
        field("code", "text", label_zh="编码", regex=r"^(?=.*\d)\w+$"),
    ]
    before = FormVersion.objects.count()
    response = designer.put(
        "/api/forms/material_purchase/draft", {"fields": fields}, content_type="application/json"
    )
    assert response.status_code == 422
    errors = {(e["field"], e["property"]): e["message"] for e in response.json()["errors"]}
    assert errors[("total", "expression")].startswith("表达式有误：表达式超出计算限制")
    assert "编码" in errors[("code", "regex")] and "环视" in errors[("code", "regex")]
    assert FormVersion.objects.count() == before


def test_a_display_condition_over_the_limits_is_an_error_naming_the_field_not_a_hidden_field() -> None:
    """A `visible_if` bomb fed by the input does not hide its field silently: the form says so."""
    from yunying.forms.visibility import visible_keys

    version = version_with(
        field("n", "number", label_zh="数量"),
        field("note", "text", label_zh="备注", visible_if="len(str([[[n]*n]*n]*n)) > 0 if n else False"),
    )
    assert validate(version, {"n": "3", "note": "好"})["note"] == "好"
    assert validate(version, {"n": "", "note": "x"})["note"] == ""  # hidden by an ordinary false
    found = messages(version, {"n": "10000", "note": "x"})
    assert found == [("note", found[0][1])]
    assert "备注" in found[0][1] and "显示条件超出计算限制" in found[0][1]
    # the page shows the field (with the error), it does not hide it
    from yunying.forms.schema import schema_of

    assert "note" in visible_keys(schema_of(version), {"n": "10000"})
