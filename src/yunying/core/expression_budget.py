"""The bounds of one expression evaluation: value sizes and a budget of steps.

Every value an expression builds is measured (nested included: a list of lists counts all the items inside),
and every evaluation runs under a budget of steps: one per node visited plus the element work of each
operation (copying, comparing, hashing, measuring). Going over raises :class:`ExpressionLimitExceeded`
("表达式超出计算限制"), a subclass of :class:`ExpressionError`, so callers that handle evaluation errors handle
it too. Limits come from Django settings (``YUNYING_EXPRESSION_*``) when Django is configured, else from
:data:`DEFAULT_LIMITS`.

Sizes are logical: ``[[1] * 100] * 100`` holds 10,101 items although Python shares the inner list, because
comparing or printing it visits every one. Measuring a value walks it at most up to the limit, and a value
measured once in an evaluation is remembered.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

__all__ = [
    "DEFAULT_LIMITS",
    "Budget",
    "ExpressionError",
    "ExpressionLimitExceeded",
    "Limits",
    "current_budget",
    "current_limits",
]


class ExpressionError(ValueError):
    """A refused or failing expression. ``message`` is short and safe to show to users."""

    def __init__(
        self, message: str, *, source: str | None = None, line: int | None = None, column: int | None = None
    ) -> None:
        self.message = message
        self.source = source
        self.line = line
        self.column = column  # 1-based, like editors show it
        where = f" (line {line}, column {column})" if line is not None and column is not None else ""
        super().__init__(f"{message}{where}")


def _translated(message: str, **values: Any) -> str:
    try:
        from django.utils.translation import gettext

        text = gettext(message)
    except Exception:  # Django absent or not configured: the Chinese original
        text = message
    return text % values if values else text


class ExpressionLimitExceeded(ExpressionError):
    """An expression over its size or step limits; the message starts with "表达式超出计算限制"."""

    @classmethod
    def generic(cls) -> ExpressionLimitExceeded:
        return cls(_translated("表达式超出计算限制"))

    @classmethod
    def steps(cls, limit: int) -> ExpressionLimitExceeded:
        return cls(_translated("表达式超出计算限制（超过 %(n)d 步计算）", n=limit))

    @classmethod
    def elements(cls, limit: int) -> ExpressionLimitExceeded:
        return cls(_translated("表达式超出计算限制（结果共超过 %(n)d 个元素）", n=limit))

    @classmethod
    def length(cls, limit: int) -> ExpressionLimitExceeded:
        return cls(_translated("表达式超出计算限制（文字或列表超过 %(n)d 个字符或项）", n=limit))

    @classmethod
    def number(cls, bits: int) -> ExpressionLimitExceeded:
        return cls(_translated("表达式超出计算限制（数字超过 %(n)d 位）", n=bits * 30103 // 100000))

    @classmethod
    def exponent(cls, limit: int) -> ExpressionLimitExceeded:
        return cls(_translated("表达式超出计算限制（指数须在 -%(n)d 到 %(n)d 之间）", n=limit))


@dataclass(frozen=True)
class Limits:
    max_steps: int = 1_000_000  # node visits + element work per evaluation
    max_elements: int = 100_000  # items in one built value, nested included
    max_length: int = 10_000  # characters of one text, items of one list / tuple / mapping
    max_int_bits: int = 4096  # about 1233 decimal digits
    max_exponent: int = 100


DEFAULT_LIMITS = Limits()

_SETTINGS = {
    "max_steps": "YUNYING_EXPRESSION_MAX_STEPS",
    "max_elements": "YUNYING_EXPRESSION_MAX_ELEMENTS",
    "max_length": "YUNYING_EXPRESSION_MAX_LENGTH",
    "max_int_bits": "YUNYING_EXPRESSION_MAX_INT_BITS",
}


_read: tuple[object, Limits] | None = None  # (the settings object read, its limits)


def current_limits() -> Limits:
    """The limits of the settings (Django configured) or the defaults; read again whenever the settings
    object changes (``override_settings`` swaps it)."""
    global _read
    from django.conf import settings
    from django.utils.functional import empty

    holder = object.__getattribute__(settings, "_wrapped")  # without LazySettings' per-access cost
    if holder is empty:
        return DEFAULT_LIMITS
    if _read is not None and _read[0] is holder:
        return _read[1]
    values = {field: getattr(settings, name, None) for field, name in _SETTINGS.items()}
    given = {k: int(v) for k, v in values.items() if v is not None}
    limits = Limits(**given) if given else DEFAULT_LIMITS
    _read = (holder, limits)
    return limits


_SCALARS = frozenset({str, int, float, bool, type(None), Decimal, dt.date, dt.datetime, dt.timedelta})
_MAPPINGS = (dict, Mapping)
_COMPOUND = (list, tuple, dict, set, frozenset, Mapping)


class Budget:
    """Steps left and the sizes measured during one evaluation."""

    __slots__ = ("limits", "sizes", "steps")

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.steps = limits.max_steps
        self.sizes: dict[int, tuple[Any, int]] = {}  # id → (value kept alive, items)

    def charge(self, n: int = 1) -> None:
        self.steps -= n
        if self.steps < 0:
            raise ExpressionLimitExceeded.steps(self.limits.max_steps)

    def size(self, value: Any) -> int:
        """Items in ``value``, nested included (a scalar is 1); walking it is charged as steps."""
        if type(value) in _SCALARS or not isinstance(value, _COMPOUND):
            return 1
        known = self.sizes.get(id(value))
        if known is not None:
            return known[1]
        cap = min(self.limits.max_elements, self.steps)
        items = 0
        stack: list[Any] = [value]
        while stack and items <= cap:
            v = stack.pop()
            items += 1
            if type(v) in _SCALARS or not isinstance(v, _COMPOUND):
                continue
            seen = self.sizes.get(id(v)) if v is not value else None
            if seen is not None:
                items += seen[1] - 1
                continue
            children = len(v) * (2 if isinstance(v, _MAPPINGS) else 1)
            if items + len(stack) + children > cap:
                items = cap + 1  # each child is one more item at least
                break
            if isinstance(v, _MAPPINGS):
                stack.extend(v.keys())
                stack.extend(v.values())
            else:
                stack.extend(v)
        if items > cap:
            self.steps -= cap
            if cap < self.limits.max_elements:
                raise ExpressionLimitExceeded.steps(self.limits.max_steps)
            raise ExpressionLimitExceeded.elements(self.limits.max_elements)
        self.charge(items)
        self.remember(value, items)
        return items

    def remember(self, value: Any, items: int) -> Any:
        if isinstance(value, _COMPOUND):
            self.sizes[id(value)] = (value, items)
        return value

    def built(self, value: Any, items: int) -> Any:
        """A container the evaluator is about to return, with its known size: checked and remembered."""
        if items > self.limits.max_elements:
            raise ExpressionLimitExceeded.elements(self.limits.max_elements)
        return self.remember(value, items)


_CURRENT: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("expression_budget", default=None)


def current_budget() -> Budget:
    """The budget of the evaluation in progress (a fresh one outside evaluations)."""
    budget = _CURRENT.get()
    return budget if budget is not None else Budget(current_limits())


def start(budget: Budget) -> contextvars.Token[Budget | None]:
    return _CURRENT.set(budget)


def finish(token: contextvars.Token[Budget | None]) -> None:
    _CURRENT.reset(token)
