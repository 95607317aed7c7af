"""One value of one field: from what a browser or an API client sent to a typed Python value, and to/from
the JSON stored with a submission.

Typed values: text → str ("" when empty); number → int (no decimals) or Decimal; money → Decimal with two
places; date → date; datetime → aware datetime; choice → str; multichoice → list[str]; boolean → bool;
employee / store / position → the code (employee_no, store code, position code); empty → None (lists: []).
JSON: Decimal → "12.50" (a string, exact), date → "2025-01-31", datetime → "2025-01-31T14:30:00+08:00".
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from yunying.forms import patterns
from yunying.forms import schema as s
from yunying.forms.schema import FieldSpec

TEXT_MAX_LENGTH = 500
TEXTAREA_MAX_LENGTH = 5000
NUMBER_LIMIT = Decimal("1e15")
TRUE_WORDS = frozenset({"true", "1", "yes", "on", "y", "是"})
FALSE_WORDS = frozenset({"false", "0", "no", "off", "n", "否"})


class InvalidValue(ValueError):
    """The value broke a rule of its field; `message` is in the user's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def is_empty(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, (list, tuple)):
        return all(is_empty(item) for item in raw)
    return False


def empty_value(spec: FieldSpec) -> Any:
    if spec.type in (s.TEXT, s.TEXTAREA):
        return ""
    if spec.type in (s.MULTICHOICE, s.ATTACHMENT, s.PHOTO, s.TABLE):
        return []
    return None


def _single(raw: Any) -> Any:
    """A browser may send a list for one field (several inputs of one name): take the last."""
    if isinstance(raw, (list, tuple)):
        return raw[-1] if raw else None
    return raw


def to_decimal(raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise InvalidValue(_("请输入数字。"))
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, (int, float, str)):
        text = str(raw).strip().replace(",", "").replace("，", "")
        if not text or len(text) > 40:
            raise InvalidValue(_("请输入数字。"))
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise InvalidValue(_("请输入数字。"))
    else:
        raise InvalidValue(_("请输入数字。"))
    if not value.is_finite() or abs(value) >= NUMBER_LIMIT:
        raise InvalidValue(_("请输入有效的数字。"))
    return value


def quantize(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _clean_text(spec: FieldSpec, raw: Any) -> str:
    raw = _single(raw)
    if not isinstance(raw, (str, int, float, Decimal)) or isinstance(raw, bool):
        raise InvalidValue(_("请输入文字。"))
    text = str(raw).strip() if spec.type == s.TEXT else str(raw).replace("\r\n", "\n").rstrip()
    if spec.type == s.TEXT and "\n" in text:
        raise InvalidValue(_("只能输入一行文字。"))
    limit = spec.max_length or (TEXT_MAX_LENGTH if spec.type == s.TEXT else TEXTAREA_MAX_LENGTH)
    if spec.min_length and len(text) < spec.min_length:
        raise InvalidValue(_("至少输入 %(n)d 个字。") % {"n": spec.min_length})
    if len(text) > limit:
        raise InvalidValue(_("最多输入 %(n)d 个字（现在 %(len)d 个）。") % {"n": limit, "len": len(text)})
    if spec.regex:
        _check_pattern(spec.regex, text)
    return text


def _check_pattern(pattern: str, text: str) -> None:
    if len(text) > patterns.max_input():
        raise InvalidValue(_("内容过长，无法检查格式（最多 %(n)d 个字）。") % {"n": patterns.max_input()})
    try:
        matched = patterns.full_match(pattern, text)
    except patterns.PatternError:
        raise InvalidValue(_("此字段的格式规则无法使用，请联系表单设计者修改。")) from None
    if not matched:
        raise InvalidValue(_("格式不正确。"))


def _check_range(spec: FieldSpec, value: Any) -> None:
    if spec.min is not None and value < _bound(spec, spec.min):
        raise InvalidValue(_("不能小于 %(min)s。") % {"min": _shown_bound(spec, spec.min)})
    if spec.max is not None and value > _bound(spec, spec.max):
        raise InvalidValue(_("不能大于 %(max)s。") % {"max": _shown_bound(spec, spec.max)})


def _bound(spec: FieldSpec, bound: Any) -> Any:
    if spec.type == s.DATE:
        return dt.date.fromisoformat(str(bound))
    if spec.type == s.DATETIME:
        return _aware(dt.datetime.fromisoformat(str(bound)))
    return to_decimal(bound)


def _shown_bound(spec: FieldSpec, bound: Any) -> str:
    if spec.type == s.DATETIME:
        return timezone.localtime(_bound(spec, bound)).strftime("%Y-%m-%d %H:%M")
    return str(bound)


def _clean_number(spec: FieldSpec, raw: Any) -> int | Decimal:
    value = to_decimal(_single(raw))
    places = spec.scale
    exponent = value.normalize().as_tuple().exponent
    digits = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if digits > places:
        if places == 0:
            raise InvalidValue(_("请输入整数。"))
        raise InvalidValue(_("最多 %(n)d 位小数。") % {"n": places})
    _check_range(spec, value)
    if spec.type == s.NUMBER and places == 0:
        return int(value)
    return quantize(value, places)


def _clean_date(spec: FieldSpec, raw: Any) -> dt.date:
    raw = _single(raw)
    if isinstance(raw, dt.datetime):
        raise InvalidValue(_("请输入日期（年-月-日）。"))
    if isinstance(raw, dt.date):
        value = raw
    else:
        try:
            value = dt.date.fromisoformat(str(raw).strip())
        except ValueError:
            raise InvalidValue(_("请输入有效的日期（年-月-日）。"))
    _check_range(spec, value)
    return value


def _aware(value: dt.datetime) -> dt.datetime:
    if timezone.is_naive(value):
        return timezone.make_aware(value, timezone.get_current_timezone())
    return value


def _clean_datetime(spec: FieldSpec, raw: Any) -> dt.datetime:
    raw = _single(raw)
    if isinstance(raw, dt.datetime):
        value = raw
    else:
        try:
            value = dt.datetime.fromisoformat(str(raw).strip().replace(" ", "T", 1))
        except ValueError:
            raise InvalidValue(_("请输入有效的日期时间。"))
    value = _aware(value).replace(microsecond=0)
    _check_range(spec, value)
    return value


def _clean_choice(spec: FieldSpec, raw: Any) -> str:
    value = str(_single(raw)).strip()
    if value not in {c.value for c in spec.choices}:
        raise InvalidValue(_("请从选项中选择。"))
    return value


def _clean_multichoice(spec: FieldSpec, raw: Any) -> list[str]:
    items = raw if isinstance(raw, (list, tuple)) else [raw]
    chosen = {str(item).strip() for item in items if not is_empty(item)}
    allowed = [c.value for c in spec.choices]
    unknown = chosen - set(allowed)
    if unknown:
        raise InvalidValue(_("选项“%(value)s”不存在。") % {"value": sorted(unknown)[0]})
    if spec.min is not None and len(chosen) < int(spec.min):
        raise InvalidValue(_("至少选择 %(n)d 项。") % {"n": int(spec.min)})
    if spec.max is not None and len(chosen) > int(spec.max):
        raise InvalidValue(_("最多选择 %(n)d 项。") % {"n": int(spec.max)})
    return [value for value in allowed if value in chosen]


def _clean_boolean(spec: FieldSpec, raw: Any) -> bool:
    raw = _single(raw)
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise InvalidValue(_("请选择“是”或“否”。"))


def _clean_code(spec: FieldSpec, raw: Any) -> str:
    raw = _single(raw)
    if not isinstance(raw, (str, int)) or isinstance(raw, bool):
        raise InvalidValue(_("请选择。"))
    return str(raw).strip()


_CLEANERS = {
    s.TEXT: _clean_text,
    s.TEXTAREA: _clean_text,
    s.NUMBER: _clean_number,
    s.MONEY: _clean_number,
    s.DATE: _clean_date,
    s.DATETIME: _clean_datetime,
    s.CHOICE: _clean_choice,
    s.MULTICHOICE: _clean_multichoice,
    s.BOOLEAN: _clean_boolean,
    s.EMPLOYEE: _clean_code,
    s.STORE: _clean_code,
    s.POSITION: _clean_code,
}


def clean_scalar(spec: FieldSpec, raw: Any) -> Any:
    """Clean one non-empty value of a simple field (not a table, file or computed field)."""
    return _CLEANERS[spec.type](spec, raw)


def coerce_result(spec: FieldSpec, value: Any) -> Any:
    """A computed field's result in its declared type (money: two places; number: its decimals)."""
    if value is None:
        return None
    if spec.result_type in ("number", "money"):
        number = to_decimal(value)
        places = spec.scale
        if spec.result_type == "number" and places == 0 and number == number.to_integral_value():
            return int(number)
        return quantize(number, places)
    if spec.result_type == "boolean":
        return bool(value)
    return str(value)


def to_json(spec: FieldSpec, value: Any) -> Any:
    """A typed value as stored: exact decimals as strings, dates in ISO 8601."""
    if isinstance(value, Decimal):
        return f"{value:.{max(spec.scale, 0)}f}" if spec.is_numeric else str(value)
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def from_json(spec: FieldSpec, value: Any) -> Any:
    """The typed value back from storage (for conditions and rules evaluated on stored data)."""
    if value is None:
        return None
    kind = spec.result_type if spec.is_computed else spec.type
    if kind == s.MONEY or (kind == s.NUMBER and spec.scale > 0) or (spec.is_computed and spec.is_numeric):
        number = Decimal(str(value))
        return int(number) if kind == s.NUMBER and spec.scale == 0 and number % 1 == 0 else number
    if kind == s.DATE:
        return dt.date.fromisoformat(value)
    if kind == s.DATETIME:
        return dt.datetime.fromisoformat(value)
    return value
