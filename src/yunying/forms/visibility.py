"""Which fields a display condition (`visible_if`) shows, in field order: a hidden field's value counts as
empty for the conditions below it. The validation applies the same rule while it cleans."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from yunying.core.expression_budget import ExpressionLimitExceeded
from yunying.core.expressions import ExpressionError, compiled
from yunying.forms import schema as s
from yunying.forms.schema import FormSchema
from yunying.forms.values import InvalidValue, clean_scalar, empty_value, is_empty


def condition_holds(source: str, context: Mapping[str, Any]) -> bool:
    """A condition that cannot be evaluated (e.g. a blank number compared with 1000) does not hold.

    A condition over the expression budget (a bomb fed by the input) is not "false": it raises
    :class:`ExpressionLimitExceeded`, and the caller shows the field with an error naming it instead of
    hiding it silently (see :func:`visibility_limit_message`)."""
    try:
        return bool(compiled(source).evaluate(context))
    except ExpressionLimitExceeded:
        raise
    except ExpressionError:
        return False


def visibility_limit_message(spec: Any) -> str:
    from django.utils.translation import gettext as _

    return _(
        "字段“%(label)s”的显示条件超出计算限制，无法判断是否显示，请检查填写的内容或联系表单设计者。"
    ) % {"label": spec.label or spec.key}


def visible_keys(schema: FormSchema, values: Mapping[str, Any]) -> set[str]:
    """`values` may be raw (strings from a post) or typed; each is cleaned leniently for the conditions."""
    shown: set[str] = set()
    context: dict[str, Any] = {}
    for spec in schema:
        try:
            visible = not spec.visible_if or condition_holds(spec.visible_if, context)
        except ExpressionLimitExceeded:
            visible = True  # shown (the validation names the error on it), never hidden silently
        if visible:
            shown.add(spec.key)
            raw = values.get(spec.key)
            if spec.type in (s.TABLE, s.COMPUTED) or spec.is_file or is_empty(raw):
                context[spec.key] = raw if not is_empty(raw) else empty_value(spec)
            else:
                try:
                    context[spec.key] = clean_scalar(spec, raw)
                except (InvalidValue, ValueError, TypeError):
                    context[spec.key] = empty_value(spec)
        else:
            context[spec.key] = empty_value(spec)
    return shown
