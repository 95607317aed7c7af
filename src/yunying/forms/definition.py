"""Checks a form definition (the `fields` JSON of a version) before it is saved, with precise messages.

`definition_clean(raw)` returns the normalised field list or raises ValidationFailed whose `errors` are
`{"field": "items.qty", "property": "expression", "message": "…"}` (field: the key path, or `fields[3]`
when the field has no usable key; property: the offending property, or "" for the field as a whole).
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _

from yunying.core.errors import ValidationFailed
from yunying.core.expressions import FUNCTIONS, ExpressionError, check_expression
from yunying.forms import patterns
from yunying.forms import schema as s
from yunying.forms.graph import cycle_in
from yunying.forms.schema import FieldSpec
from yunying.forms.values import InvalidValue, clean_scalar, is_empty, to_decimal

KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")
RESERVED = frozenset({"True", "False", "None", *FUNCTIONS})
MAX_COLUMNS = 30
MAX_CHOICES = 200


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, object]] = []

    def add(self, path: str, prop: str, message: str) -> None:
        self.items.append({"field": path, "property": prop, "message": message})


def definition_clean(raw: Any) -> list[dict[str, Any]]:
    """The field list, normalised, or ValidationFailed listing every problem found."""
    errors = _Errors()
    if not isinstance(raw, list):
        errors.add("", "", _("字段列表必须是数组。"))
        raise ValidationFailed(_("表单定义有误。"), errors=errors.items)
    if not raw:
        errors.add("", "", _("表单至少需要一个字段。"))
    if len(raw) > s.MAX_FIELDS:
        errors.add("", "", _("字段不能超过 %(n)d 个。") % {"n": s.MAX_FIELDS})
    cleaned = _check_list(raw, errors, parent=None, outer=[])
    _check_expressions(_usable(cleaned), errors)
    if errors.items:
        raise ValidationFailed(_("表单定义有误。"), errors=errors.items)
    return cleaned


def _check_list(
    raw: list[Any], errors: _Errors, *, parent: str | None, outer: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    cleaned: list[dict[str, Any]] = []
    seen: dict[str, str] = {f["key"]: f["key"] for f in outer if isinstance(f.get("key"), str)}
    for index, item in enumerate(raw):
        where = f"{parent}.columns[{index}]" if parent else f"fields[{index}]"
        if not isinstance(item, Mapping):
            errors.add(where, "", _("字段定义必须是对象。"))
            continue
        key = item.get("key")
        path = where
        if not isinstance(key, str) or not key.strip():
            errors.add(where, "key", _("请填写字段标识。"))
        elif not KEY_RE.match(key.strip()) or keyword.iskeyword(key.strip()) or key.startswith("__"):
            errors.add(
                where, "key",
                _("字段标识“%(key)s”无效：须以字母或下划线开头，只含字母、数字和下划线，最长 40 个字符。")
                % {"key": key},
            )  # fmt: skip
        elif key.strip() in RESERVED:
            errors.add(where, "key", _("字段标识“%(key)s”是保留字，请换一个。") % {"key": key})
        else:
            key = key.strip()
            path = f"{parent}.{key}" if parent else key
            if key in seen:
                errors.add(path, "key", _("字段标识“%(key)s”重复。") % {"key": key})
            seen[key] = path
        cleaned.append(_check_field(dict(item), errors, path=path, in_table=parent is not None))
    return cleaned


def _check_field(item: dict[str, Any], errors: _Errors, *, path: str, in_table: bool) -> dict[str, Any]:
    kind = item.get("type")
    if kind not in s.FIELD_TYPES:
        errors.add(path, "type", _("字段类型“%(type)s”不存在。") % {"type": kind})
        return item
    if in_table and kind == s.TABLE:
        errors.add(path, "type", _("明细表中不能再放明细表。"))
    allowed = s.COMMON_PROPERTIES | s.FIELD_TYPES[kind][1] | (s.COLUMN_PROPERTIES if in_table else set())
    item = {k: (v.strip() if isinstance(v, str) and k != "default" else v) for k, v in item.items()}
    item = {k: v for k, v in item.items() if not (v is None or v == "" or (k == "required" and v is False))}
    for prop in sorted(set(item) - allowed):
        errors.add(
            path, prop, _("属性“%(prop)s”不适用于%(type)s字段。") % {"prop": prop, "type": _type_label(kind)}
        )
    if not isinstance(item.get("label_zh"), str) or not item.get("label_zh"):
        errors.add(path, "label_zh", _("请填写中文标签。"))
    for prop, limit in (("label_zh", 100), ("label_en", 150), ("help_zh", 500), ("help_en", 800)):
        if prop in item and (not isinstance(item[prop], str) or len(item[prop]) > limit):
            errors.add(path, prop, _("最多 %(n)d 个字。") % {"n": limit})
    if "required" in item and not isinstance(item["required"], bool):
        errors.add(path, "required", _("“必填”只能是 true 或 false。"))
    if item.get("required") and kind == s.COMPUTED:
        errors.add(path, "required", _("计算字段不能设为必填。"))
    if in_table and item.get("visible_if"):
        errors.add(path, "visible_if", _("明细表的列不支持显示条件。"))
    if "total" in item and (not isinstance(item["total"], bool) or not FieldSpec.from_json(item).is_numeric):
        errors.add(path, "total", _("只有数字、金额和数值计算列可以合计。"))
    _check_type_properties(item, kind, errors, path)
    if kind == s.TABLE and isinstance(item.get("columns"), list):
        item["columns"] = _check_list(item["columns"], errors, parent=path, outer=[])
    return item


def _type_label(kind: str) -> str:
    return str(s.FIELD_TYPES[kind][0])


def _int_prop(item: dict[str, Any], prop: str, errors: _Errors, path: str, lo: int, hi: int) -> int | None:
    value = item.get(prop)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        errors.add(path, prop, _("须为 %(lo)d 到 %(hi)d 之间的整数。") % {"lo": lo, "hi": hi})
        return None
    return value


def _pair(item: dict[str, Any], lo: str, hi: str, errors: _Errors, path: str, convert: Any) -> None:
    bounds = {}
    for prop in (lo, hi):
        if prop in item:
            try:
                bounds[prop] = convert(item[prop])
            except (InvalidValue, ValueError, TypeError):
                errors.add(path, prop, _("“%(prop)s”的值无效。") % {"prop": prop})
    if len(bounds) == 2 and bounds[lo] > bounds[hi]:
        errors.add(path, hi, _("最大值不能小于最小值。"))


def _check_type_properties(item: dict[str, Any], kind: str, errors: _Errors, path: str) -> None:
    if kind in (s.TEXT, s.TEXTAREA):
        _int_prop(item, "min_length", errors, path, 0, 5000)
        _int_prop(item, "max_length", errors, path, 1, 5000)
        _pair(item, "min_length", "max_length", errors, path, int)
        why = patterns.problem(item["regex"]) if "regex" in item else None
        if why:
            label = item.get("label_zh") or path
            errors.add(
                path,
                "regex",
                _("正则表达式无效：字段“%(field)s”的格式%(why)s。") % {"field": label, "why": why},
            )
    elif kind in (s.NUMBER, s.MONEY, s.DATE, s.DATETIME):
        if kind == s.NUMBER:
            _int_prop(item, "decimals", errors, path, 0, 6)
        _pair(item, "min", "max", errors, path, _bound_converter(kind))
    elif kind in (s.CHOICE, s.MULTICHOICE):
        _check_choices(item, errors, path)
        if kind == s.MULTICHOICE:
            _int_prop(item, "min", errors, path, 0, MAX_CHOICES)
            _int_prop(item, "max", errors, path, 1, MAX_CHOICES)
            _pair(item, "min", "max", errors, path, int)
    elif kind in s.FILE_TYPES:
        _check_files(item, kind, errors, path)
    elif kind == s.TABLE:
        columns = item.get("columns")
        if not isinstance(columns, list) or not columns:
            errors.add(path, "columns", _("明细表至少需要一列。"))
        elif len(columns) > MAX_COLUMNS:
            errors.add(path, "columns", _("明细表最多 %(n)d 列。") % {"n": MAX_COLUMNS})
        _int_prop(item, "min_rows", errors, path, 0, s.MAX_TABLE_ROWS)
        _int_prop(item, "max_rows", errors, path, 1, s.MAX_TABLE_ROWS)
        _pair(item, "min_rows", "max_rows", errors, path, int)
    elif kind == s.COMPUTED:
        _int_prop(item, "decimals", errors, path, 0, 6)
        if not item.get("expression"):
            errors.add(path, "expression", _("请填写计算公式。"))
        if item.get("result_type", "number") not in s.RESULT_TYPES:
            errors.add(path, "result_type", _("结果类型只能是 number、money、text 或 boolean。"))
    if (
        "default" in item
        and kind not in (s.TABLE, s.COMPUTED)
        and not any(e["field"] == path for e in errors.items)
    ):
        _check_default(item, errors, path)


def _bound_converter(kind: str) -> Any:
    if kind in (s.NUMBER, s.MONEY):
        return to_decimal
    spec = FieldSpec(key="x", type=kind, label_zh="x")
    return lambda v: clean_scalar(spec, v)


def _check_choices(item: dict[str, Any], errors: _Errors, path: str) -> None:
    choices = item.get("choices")
    if not isinstance(choices, list) or not choices:
        errors.add(path, "choices", _("请至少添加一个选项。"))
        return
    if len(choices) > MAX_CHOICES:
        errors.add(path, "choices", _("选项不能超过 %(n)d 个。") % {"n": MAX_CHOICES})
    seen: set[str] = set()
    for index, choice in enumerate(choices):
        value = choice.get("value") if isinstance(choice, Mapping) else None
        if not isinstance(value, str) or not value.strip() or len(value) > 100:
            errors.add(path, f"choices[{index}].value", _("第 %(n)d 个选项的值不能为空。") % {"n": index + 1})
            continue
        if value in seen:
            errors.add(path, f"choices[{index}].value", _("选项值“%(value)s”重复。") % {"value": value})
        seen.add(value)
        label = choice.get("label_zh")
        if not isinstance(label, str) or not label.strip():
            errors.add(
                path, f"choices[{index}].label_zh", _("选项“%(value)s”缺少中文标签。") % {"value": value}
            )


def _check_files(item: dict[str, Any], kind: str, errors: _Errors, path: str) -> None:
    size = item.get("max_size_mb")
    if size is not None:
        try:
            ok = 0 < to_decimal(size) <= s.MAX_SIZE_MB_LIMIT
        except InvalidValue:
            ok = False
        if not ok or isinstance(size, str):
            errors.add(
                path,
                "max_size_mb",
                _("单个文件大小上限须在 0 到 %(n)d MB 之间。") % {"n": s.MAX_SIZE_MB_LIMIT},
            )
    _int_prop(item, "max_files", errors, path, 1, 20)
    accept = item.get("accept")
    if accept is not None and (
        not isinstance(accept, list)
        or not all(isinstance(a, str) and re.fullmatch(r"\.[A-Za-z0-9]{1,10}", a) for a in accept)
    ):
        errors.add(path, "accept", _("允许的文件类型须写成扩展名列表，例如 .pdf、.xlsx。"))


def _check_default(item: dict[str, Any], errors: _Errors, path: str) -> None:
    spec = FieldSpec.from_json(item)
    default = item["default"]
    if is_empty(default):
        return
    try:
        clean_scalar(spec, default)
    except InvalidValue as exc:
        errors.add(path, "default", _("默认值无效：%(error)s") % {"error": exc.message})
    except (ValueError, TypeError, KeyError):
        errors.add(path, "default", _("默认值无效。"))


def _usable(fields: list[Any]) -> list[dict[str, Any]]:
    """The fields sound enough to check expressions on (a valid key and type)."""
    return [
        f
        for f in fields
        if isinstance(f, dict) and isinstance(f.get("key"), str) and KEY_RE.match(f["key"])
        and f.get("type") in s.FIELD_TYPES
    ]  # fmt: skip


def _check_expressions(fields: list[dict[str, Any]], errors: _Errors) -> None:
    top = [f["key"] for f in fields]
    inputs = [f["key"] for f in fields if f["type"] not in (s.COMPUTED, s.TABLE)]
    deps: dict[str, set[str]] = {}
    for index, field in enumerate(fields):
        key = field["key"]
        if field.get("visible_if"):
            above = [f["key"] for f in fields[:index] if f["type"] != s.COMPUTED]
            _expression(field["visible_if"], above, errors, key, "visible_if",
                        _("显示条件只能引用排在它前面的非计算字段"))  # fmt: skip
        if field["type"] == s.COMPUTED and field.get("expression"):
            names = _expression(field["expression"], [k for k in top if k != key], errors, key, "expression")
            deps[key] = {n for n in names if any(f["key"] == n and f["type"] == s.COMPUTED for f in fields)}
        if field["type"] == s.TABLE:
            _check_columns(field, inputs, errors)
    _report_cycle(deps, errors, parent="")


def _check_columns(table: dict[str, Any], inputs: list[str], errors: _Errors) -> None:
    raw = table.get("columns")
    columns = _usable(raw if isinstance(raw, list) else [])
    siblings = [c["key"] for c in columns]
    computed = {c["key"] for c in columns if c["type"] == s.COMPUTED}
    deps: dict[str, set[str]] = {}
    for column in columns:
        if column["type"] != s.COMPUTED or not column.get("expression"):
            continue
        known = [k for k in siblings if k != column["key"]] + inputs
        path = f"{table['key']}.{column['key']}"
        names = _expression(column["expression"], known, errors, path, "expression")
        deps[column["key"]] = names & computed
    _report_cycle(deps, errors, parent=table["key"])


def _expression(
    source: str, known: Iterable[str], errors: _Errors, path: str, prop: str, hint: str = ""
) -> set[str]:
    try:
        return set(check_expression(source, known_names=known).names)
    except ExpressionError as exc:
        message = _("表达式有误：%(error)s") % {"error": exc}
        if hint and "unknown name" in exc.message:
            message = f"{message}（{hint}）"
        errors.add(path, prop, message)
        return set()


def _report_cycle(deps: dict[str, set[str]], errors: _Errors, *, parent: str) -> None:
    cycle = cycle_in(deps)
    if cycle:
        path = f"{parent}.{cycle[0]}" if parent else cycle[0]
        errors.add(path, "expression", _("计算字段循环引用：%(cycle)s。") % {"cycle": " → ".join(cycle)})
