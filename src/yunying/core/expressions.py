"""A restricted expression evaluator for user-supplied rules and BPMN conditions.

Expressions are parsed with :mod:`ast` (``mode="eval"``), checked against a whitelist of node types
and functions, and evaluated by walking the tree here: ``eval``/``exec``/``compile`` are never used.

Allowed: names (looked up in a context mapping), constants (str, int, float, bool, None), list / tuple /
set / dict literals, comparisons (``== != < <= > >= in``, ``not in``, ``is None``, ``is not None``),
``and`` / ``or`` / ``not``, unary ``-`` / ``+``, arithmetic ``+ - * / // %`` and ``**`` with a small
exponent, ``a if cond else b``, subscripts (``items[0]``, ``row["qty"]``, ``items[1:3]``) and calls to
the whitelisted functions in :data:`FUNCTIONS`. Attribute access, lambdas, comprehensions, f-strings,
starred arguments, keyword arguments and assignment expressions are refused.

``decimal.Decimal`` values mix with floats (the float is converted through ``str``), so ``price * 1.1``
works for a Decimal price. Every evaluation is bounded (:mod:`yunying.core.expression_budget`): values it
builds are measured, nested included, and it runs under a budget of steps; over the limits it raises
:class:`ExpressionLimitExceeded`. :func:`parse_expression` already refuses what is over the limits before
running (constant parts are folded, literal repetitions estimated), so deploy and save checks catch it.
No Django imports here (the budget module reads the limits from the settings).
"""

from __future__ import annotations

import ast
import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from yunying.core import expression_budget as budgets
from yunying.core.expression_budget import (
    Budget,
    ExpressionError,
    ExpressionLimitExceeded,
    current_budget,
    current_limits,
)

__all__ = [
    "FUNCTIONS",
    "CompiledExpression",
    "ExpressionError",
    "ExpressionLimitExceeded",
    "check_expression",
    "compiled",
    "evaluate",
    "parse_expression",
]

MAX_SOURCE_LENGTH = 2000
MAX_NODES = 500
MAX_DEPTH = 50
# Sizes of built values and the budget of steps are settings: see expression_budget.Limits.

Clock = Callable[[], dt.datetime]


def _error(
    message: str,
    node: ast.AST | None = None,
    source: str | None = None,
    kind: type[ExpressionError] = ExpressionError,
) -> ExpressionError:
    line = getattr(node, "lineno", None) if node is not None else None
    col = getattr(node, "col_offset", None) if node is not None else None
    return kind(message, source=source, line=line, column=None if col is None else col + 1)


def _located(exc: ExpressionError, node: ast.AST, source: str) -> ExpressionError:
    """The same error (same class) placed at ``node``."""
    return _error(exc.message, node, source, type(exc))


# --------------------------------------------------------------------------- value helpers
_NUMBER = (int, float, Decimal)
_SEQUENCE = (str, list, tuple)
_CONTAINER = (str, list, tuple, dict, set, frozenset)
_COMPOUND = (list, tuple, dict, set, frozenset, Mapping)


def _coerce_pair(a: Any, b: Any) -> tuple[Any, Any]:
    """Make Decimal and float operands compatible (floats become Decimals through ``str``)."""
    if isinstance(a, Decimal) and isinstance(b, float):
        return a, Decimal(str(b))
    if isinstance(b, Decimal) and isinstance(a, float):
        return Decimal(str(a)), b
    return a, b


def _check_size(value: Any) -> Any:
    """A value just built: within the limits of length, integer size and nested items (measured)."""
    if isinstance(value, bool):
        return value
    budget = current_budget()
    limits = budget.limits
    if isinstance(value, int) and value.bit_length() > limits.max_int_bits:
        raise ExpressionLimitExceeded.number(limits.max_int_bits)
    if isinstance(value, _CONTAINER):
        if len(value) > limits.max_length:
            raise ExpressionLimitExceeded.length(limits.max_length)
        budget.size(value)
    return value


def _is_number(v: Any) -> bool:
    return isinstance(v, _NUMBER)


def _to_int(v: Any) -> int:
    bits = current_budget().limits.max_int_bits
    if isinstance(v, Decimal) and v.is_finite() and v.adjusted() > bits // 4:
        raise ExpressionLimitExceeded.number(bits)
    return int(v)


def _repeat(seq: Any, n: int) -> Any:
    """``seq * n`` for a text, list or tuple, refused before it is built when it would be too big."""
    budget = current_budget()
    limits = budget.limits
    count = max(n, 0)
    if len(seq) * count > limits.max_length:
        raise ExpressionLimitExceeded.length(limits.max_length)
    if isinstance(seq, str):
        budget.charge(1 + len(seq) * count // 64)
        return seq * n
    items = 1 + count * (budget.size(seq) - 1)
    if items > limits.max_elements:
        raise ExpressionLimitExceeded.elements(limits.max_elements)
    budget.charge(len(seq) * count)
    return budget.built(seq * n, items)


def _join(a: Any, b: Any) -> Any:
    """``a + b`` for two texts, lists or tuples."""
    budget = current_budget()
    limits = budget.limits
    if len(a) + len(b) > limits.max_length:
        raise ExpressionLimitExceeded.length(limits.max_length)
    if isinstance(a, str):
        budget.charge(1 + (len(a) + len(b)) // 64)
        return a + b
    items = budget.size(a) + budget.size(b) - 1
    if items > limits.max_elements:
        raise ExpressionLimitExceeded.elements(limits.max_elements)
    budget.charge(len(a) + len(b))
    return budget.built(a + b, items)


def _arith(op: type[ast.operator], a: Any, b: Any) -> Any:
    a, b = _coerce_pair(a, b)
    kinds_ok = (
        (_is_number(a) and _is_number(b))
        or isinstance(a, (dt.date, dt.timedelta))
        or isinstance(b, (dt.date, dt.timedelta))
    )
    if op is ast.Add:
        if isinstance(a, _SEQUENCE) and type(a) is type(b):
            return _join(a, b)
        if kinds_ok:
            return _check_size(a + b)
    elif op is ast.Sub:
        if kinds_ok:
            return _check_size(a - b)
    elif op is ast.Mult:
        if isinstance(a, _SEQUENCE) or isinstance(b, _SEQUENCE):
            seq, n = (a, b) if isinstance(a, _SEQUENCE) else (b, a)
            if isinstance(n, bool) or not isinstance(n, int):
                raise ExpressionError("a text or list can only be repeated by a whole number")
            return _repeat(seq, n)
        bits = current_budget().limits.max_int_bits
        if isinstance(a, int) and isinstance(b, int) and a.bit_length() + b.bit_length() > bits + 1:
            raise ExpressionLimitExceeded.number(bits)
        if kinds_ok:
            return _check_size(a * b)
    elif op in (ast.Div, ast.FloorDiv, ast.Mod):
        if isinstance(a, str):
            raise ExpressionError("text formatting with '%' is not allowed")
        if kinds_ok:
            if op is ast.Div:
                return a / b
            return _check_size(a // b if op is ast.FloorDiv else a % b)
    elif op is ast.Pow and _is_number(a) and _is_number(b):
        limits = current_budget().limits
        top = limits.max_exponent
        if isinstance(b, bool) or not isinstance(b, int):
            raise ExpressionError(f"exponent must be a whole number between -{top} and {top}")
        if not -top <= b <= top:
            raise ExpressionLimitExceeded.exponent(top)
        if isinstance(a, int) and abs(a) > 1 and a.bit_length() * abs(b) > limits.max_int_bits:
            raise ExpressionLimitExceeded.number(limits.max_int_bits)
        return _check_size(a**b)
    raise ExpressionError(
        f"unsupported operand types for {_OP_SYMBOLS.get(op, op.__name__)}: "
        f"'{type(a).__name__}' and '{type(b).__name__}'"
    )


_OP_SYMBOLS: dict[type, str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
}


def _compare(op: ast.cmpop, a: Any, b: Any) -> bool:
    if isinstance(op, (ast.Is, ast.IsNot)):
        return (a is None) if isinstance(op, ast.Is) else (a is not None)
    if isinstance(a, _COMPOUND) or isinstance(b, _COMPOUND):  # comparing visits the items of both sides
        budget = current_budget()
        budget.charge(budget.size(a) + budget.size(b))
    if isinstance(op, (ast.In, ast.NotIn)):
        if not isinstance(b, _CONTAINER):
            raise ExpressionError(
                f"'in' needs a text, list or mapping on the right, not '{type(b).__name__}'"
            )
        if isinstance(b, str) and not isinstance(a, str):
            raise ExpressionError("'in' on a text needs a text on the left")
        if isinstance(a, float) and any(isinstance(x, Decimal) for x in b):
            a = Decimal(str(a))
        found = a in b
        return found if isinstance(op, ast.In) else not found
    a, b = _coerce_pair(a, b)
    if isinstance(op, ast.Eq):
        return bool(a == b)
    if isinstance(op, ast.NotEq):
        return bool(a != b)
    if isinstance(op, ast.Lt):
        return bool(a < b)
    if isinstance(op, ast.LtE):
        return bool(a <= b)
    if isinstance(op, ast.Gt):
        return bool(a > b)
    if isinstance(op, ast.GtE):
        return bool(a >= b)
    raise ExpressionError(f"comparison '{type(op).__name__}' is not allowed")  # pragma: no cover


# --------------------------------------------------------------------------- whitelisted functions
def _iterable(v: Any, fname: str) -> Iterable[Any]:
    if not isinstance(v, (list, tuple, set, frozenset, dict, str)):
        raise ExpressionError(f"{fname}() needs a list, not '{type(v).__name__}'")
    return v


def _fn_len(v: Any) -> int:
    if not isinstance(v, _CONTAINER):
        raise ExpressionError(f"len() needs a text, list or mapping, not '{type(v).__name__}'")
    return len(v)


# Steps charged per item by the functions that run evaluator code for each item (an addition costs about
# ten times a step of measuring or comparing, which runs in C).
_PER_ITEM = 10


def _fn_sum(values: Any, start: Any = 0) -> Any:
    total = start
    items = _iterable(values, "sum")
    current_budget().charge(_PER_ITEM * len(values))
    for v in items:
        total = _arith(ast.Add, total, v)
    return total


def _minmax(name: str, pick: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    items = list(_iterable(args[0], name)) if len(args) == 1 else list(args)
    if not items:
        raise ExpressionError(f"{name}() of an empty list")
    if any(isinstance(x, Decimal) for x in items):
        items = [Decimal(str(x)) if isinstance(x, float) else x for x in items]
    return pick(items)


def _fn_round(v: Any, ndigits: Any = None) -> Any:
    if not _is_number(v):
        raise ExpressionError(f"round() needs a number, not '{type(v).__name__}'")
    if ndigits is None:
        return _to_int(round(v)) if not isinstance(v, Decimal) else _to_int(v.to_integral_value())
    if isinstance(ndigits, bool) or not isinstance(ndigits, int) or not -30 <= ndigits <= 30:
        raise ExpressionError("round() digits must be a whole number between -30 and 30")
    return round(v, ndigits)


def _fn_int(v: Any) -> int:
    if isinstance(v, str) and len(v) > 1000:
        raise ExpressionLimitExceeded.number(current_budget().limits.max_int_bits)
    if not isinstance(v, (*_NUMBER, str, bool)):
        raise ExpressionError(f"int() needs a number or text, not '{type(v).__name__}'")
    return _check_size(_to_int(v))


def _fn_float(v: Any) -> float:
    if not isinstance(v, (*_NUMBER, str, bool)):
        raise ExpressionError(f"float() needs a number or text, not '{type(v).__name__}'")
    return float(v)


def _fn_decimal(v: Any) -> Decimal:
    if isinstance(v, float):
        return Decimal(str(v))
    if not isinstance(v, (int, Decimal, str)):
        raise ExpressionError(f"decimal() needs a number or text, not '{type(v).__name__}'")
    return Decimal(v)


_PLAIN = (*_NUMBER, str, bool, type(None), dt.date, dt.datetime, dt.timedelta, list, tuple, dict)


def _text_length_at_least(value: Any, limit: int) -> int:
    """A lower bound of ``len(str(value))``, counted up to just over ``limit`` (nothing is built)."""
    total = 0
    stack = [value]
    while stack and total <= limit:
        v = stack.pop()
        if isinstance(v, str):
            total += len(v) + 2
        elif isinstance(v, (list, tuple, set, frozenset)):
            total += 2 + len(v)
            stack.extend(v)
        elif isinstance(v, Mapping):
            total += 2 + 2 * len(v)
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, int):
            total += 1 + v.bit_length() * 3 // 10
        else:
            total += 1
    return total


def _fn_str(v: Any) -> str:
    if not isinstance(v, _PLAIN):
        raise ExpressionError(f"str() of a '{type(v).__name__}' is not allowed")
    limits = current_budget().limits
    if not isinstance(v, str) and _text_length_at_least(v, limits.max_length) > limits.max_length:
        raise ExpressionLimitExceeded.length(limits.max_length)
    return _check_size(str(v))


def _fn_bool(v: Any) -> bool:
    if not isinstance(v, _PLAIN):
        raise ExpressionError(f"bool() of a '{type(v).__name__}' is not allowed")
    return bool(v)


def _fn_abs(v: Any) -> Any:
    if not _is_number(v):
        raise ExpressionError(f"abs() needs a number, not '{type(v).__name__}'")
    return abs(v)


def _fn_date(y: Any, m: Any, d: Any) -> dt.date:
    return dt.date(_to_int(y), _to_int(m), _to_int(d))


def _fn_days(n: Any) -> dt.timedelta:
    if not _is_number(n):
        raise ExpressionError("days() needs a number")
    return dt.timedelta(days=float(n))


def _rows(rows: Any, fname: str) -> list[Mapping[str, Any]]:
    if not isinstance(rows, (list, tuple)) or not all(isinstance(r, Mapping) for r in rows):
        raise ExpressionError(f"{fname}() needs a list of rows (mappings)")
    return list(rows)


def _fn_col(rows: Any, key: Any) -> list[Any]:
    listed = _rows(rows, "col")
    current_budget().charge(_PER_ITEM * len(listed) // 2)
    return [_get_item(r, key) for r in listed]


def _fn_sumproduct(rows: Any, a: Any, b: Any) -> Any:
    total: Any = 0
    listed = _rows(rows, "sumproduct")
    current_budget().charge(_PER_ITEM * 2 * len(listed))
    for r in listed:
        total = _arith(ast.Add, total, _arith(ast.Mult, _get_item(r, a), _get_item(r, b)))
    return total


def _fn_any(v: Any) -> bool:
    return any(_iterable(v, "any"))


def _fn_all(v: Any) -> bool:
    return all(_iterable(v, "all"))


# name -> (implementation, min args, max args). today/now are bound to the clock at call time.
FUNCTIONS: dict[str, tuple[Callable[..., Any] | None, int, int]] = {
    "len": (_fn_len, 1, 1),
    "sum": (_fn_sum, 1, 2),
    "min": (lambda *a: _minmax("min", min, a), 1, 50),
    "max": (lambda *a: _minmax("max", max, a), 1, 50),
    "abs": (_fn_abs, 1, 1),
    "round": (_fn_round, 1, 2),
    "int": (_fn_int, 1, 1),
    "float": (_fn_float, 1, 1),
    "decimal": (_fn_decimal, 1, 1),
    "str": (_fn_str, 1, 1),
    "bool": (_fn_bool, 1, 1),
    "today": (None, 0, 0),
    "now": (None, 0, 0),
    "date": (_fn_date, 3, 3),
    "days": (_fn_days, 1, 1),
    "any": (_fn_any, 1, 1),
    "all": (_fn_all, 1, 1),
    "sumproduct": (_fn_sumproduct, 3, 3),
    "col": (_fn_col, 2, 2),
}


# Functions whose work grows with their arguments (their items are measured and charged as steps).
_VISITING = frozenset({"sum", "min", "max", "str", "any", "all", "col", "sumproduct"})


def _default_clock() -> dt.datetime:
    """The company's wall clock: ``today()`` is the company's day (yunying.core.clock), not the server's."""
    from yunying.core.clock import local_now

    return local_now()


def _get_item(container: Any, key: Any) -> Any:
    if isinstance(container, Mapping):
        try:
            return container[key]
        except KeyError:
            raise ExpressionError(f"key {key!r} not found") from None
        except TypeError:
            raise ExpressionError(f"key of type '{type(key).__name__}' is not usable") from None
    if isinstance(container, _SEQUENCE):
        if isinstance(key, slice):
            return container[key]
        if isinstance(key, bool) or not isinstance(key, int):
            raise ExpressionError(f"list index must be a whole number, not '{type(key).__name__}'")
        try:
            return container[key]
        except IndexError:
            raise ExpressionError(f"index {key} out of range") from None
    raise ExpressionError(f"cannot index a value of type '{type(container).__name__}'")


# --------------------------------------------------------------------------- static check
_REFUSED_NODES: dict[type, str] = {
    ast.Attribute: "attribute access is not allowed",
    ast.Lambda: "lambda functions are not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.Starred: "starred expressions are not allowed",
    ast.NamedExpr: "assignment expressions (:=) are not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.FormattedValue: "f-strings are not allowed",
    ast.Await: "'await' is not allowed",
    ast.Yield: "'yield' is not allowed",
    ast.YieldFrom: "'yield' is not allowed",
}
_ALLOWED_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)
_ALLOWED_CMPOPS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot)


class _Checker:
    def __init__(self, source: str) -> None:
        self.source = source
        self.names: set[str] = set()

    def fail(self, message: str, node: ast.AST) -> ExpressionError:
        return _error(message, node, self.source)

    def check(self, node: ast.AST, depth: int = 0) -> None:
        if depth > MAX_DEPTH:
            raise self.fail(f"expression is too deeply nested (more than {MAX_DEPTH} levels)", node)
        refused = _REFUSED_NODES.get(type(node))
        if refused:
            raise self.fail(refused, node)
        d = depth + 1
        if isinstance(node, ast.Constant):
            v = node.value
            if not (v is None or isinstance(v, (bool, int, float, str))):
                raise self.fail(f"constant of type '{type(v).__name__}' is not allowed", node)
            bits = current_limits().max_int_bits
            if isinstance(v, int) and not isinstance(v, bool) and v.bit_length() > bits:
                message = ExpressionLimitExceeded.number(bits).message
                raise _error(message, node, self.source, ExpressionLimitExceeded)
        elif isinstance(node, ast.Name):
            if node.id.startswith("__"):
                raise self.fail(f"name '{node.id}' is not allowed", node)
            self.names.add(node.id)
        elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            for elt in node.elts:
                self.check(elt, d)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if key is None:
                    raise self.fail("'**' unpacking is not allowed", node)
                self.check(key, d)
                self.check(value, d)
        elif isinstance(node, ast.BoolOp):
            for value in node.values:
                self.check(value, d)
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.Not, ast.USub, ast.UAdd)):
                raise self.fail("operator '~' is not allowed", node)
            self.check(node.operand, d)
        elif isinstance(node, ast.BinOp):
            if not isinstance(node.op, _ALLOWED_BINOPS):
                raise self.fail(f"operator '{type(node.op).__name__}' is not allowed", node)
            self.check(node.left, d)
            self.check(node.right, d)
        elif isinstance(node, ast.Compare):
            for op, comparator in zip(node.ops, node.comparators, strict=True):
                if not isinstance(op, _ALLOWED_CMPOPS):  # pragma: no cover - all cmpops are listed
                    raise self.fail("comparison is not allowed", node)
                if isinstance(op, (ast.Is, ast.IsNot)) and not (
                    isinstance(comparator, ast.Constant) and comparator.value is None
                ):
                    raise self.fail("'is' may only be used as 'is None' or 'is not None'", node)
            self.check(node.left, d)
            for comparator in node.comparators:
                self.check(comparator, d)
        elif isinstance(node, ast.IfExp):
            self.check(node.test, d)
            self.check(node.body, d)
            self.check(node.orelse, d)
        elif isinstance(node, ast.Subscript):
            self.check(node.value, d)
            self.check(node.slice, d)
        elif isinstance(node, ast.Slice):
            for part in (node.lower, node.upper, node.step):
                if part is not None:
                    self.check(part, d)
        elif isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute):
                raise self.fail("attribute access is not allowed", node.func)
            if not isinstance(node.func, ast.Name):
                raise self.fail("only whitelisted functions may be called, by plain name", node)
            name = node.func.id
            if name not in FUNCTIONS:
                raise self.fail(f"function '{name}' is not allowed", node)
            if node.keywords:
                raise self.fail(f"keyword arguments are not allowed (in {name}())", node)
            _, lo, hi = FUNCTIONS[name]
            if not lo <= len(node.args) <= hi:
                expected = str(lo) if lo == hi else f"{lo} to {hi}"
                raise self.fail(f"{name}() takes {expected} argument(s), got {len(node.args)}", node)
            for arg in node.args:
                self.check(arg, d)
        else:
            raise self.fail(f"'{type(node).__name__}' is not allowed in an expression", node)


# --------------------------------------------------------------------------- evaluation
class CompiledExpression:
    """A parsed and statically checked expression; immutable and safe to cache and share."""

    __slots__ = ("_tree", "names", "source")

    def __init__(self, source: str, tree: ast.Expression, names: frozenset[str]) -> None:
        self.source = source
        self._tree = tree
        self.names = names  # free names the expression reads (whitelisted function names excluded)

    def __repr__(self) -> str:
        return f"CompiledExpression({self.source!r})"

    def evaluate(self, context: Mapping[str, Any], *, clock: Clock | None = None) -> Any:
        """Evaluate against ``context``; ``clock`` (default: the company's clock) backs ``today()`` and ``now()``.

        Runs under the budget of :func:`current_limits`; over it raises :class:`ExpressionLimitExceeded`."""
        return _run(self._tree.body, context, self.source, clock or _default_clock, Budget(current_limits()))


def _run(node: ast.AST, context: Mapping[str, Any], source: str, clock: Clock, budget: Budget) -> Any:
    token = budgets.start(budget)
    try:
        return _Evaluator(context, source, clock, budget).eval(node)
    except ExpressionError as exc:
        if exc.source is None:
            exc.source = source
        raise
    except (ArithmeticError, InvalidOperation) as exc:
        message = "division by zero" if isinstance(exc, ZeroDivisionError) else f"arithmetic error: {exc}"
        raise ExpressionError(message, source=source) from None
    except (RecursionError, MemoryError):
        raise ExpressionLimitExceeded.generic() from None
    except (TypeError, ValueError) as exc:
        raise ExpressionError(str(exc) or type(exc).__name__, source=source) from None
    finally:
        budgets.finish(token)


class _Evaluator:
    def __init__(self, context: Mapping[str, Any], source: str, clock: Clock, budget: Budget) -> None:
        self.context = context
        self.source = source
        self.clock = clock
        self.budget = budget

    def eval(self, node: ast.AST) -> Any:
        budget = self.budget
        budget.steps -= 1
        if budget.steps < 0:
            raise ExpressionLimitExceeded.steps(budget.limits.max_steps)
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:  # pragma: no cover - the checker refused it already
            raise _error(f"'{type(node).__name__}' is not allowed in an expression", node, self.source)
        return method(node)

    def _Constant(self, node: ast.Constant) -> Any:
        return node.value

    def _Name(self, node: ast.Name) -> Any:
        try:
            return self.context[node.id]
        except KeyError:
            raise _error(f"unknown name '{node.id}'", node, self.source) from None

    def _built(self, node: ast.AST, value: Any, parts: Iterable[Any]) -> Any:
        """A literal container: its items are measured (and hashed, for sets and mappings) once."""
        try:
            items = 1 + sum(self.budget.size(p) for p in parts)
            return self.budget.built(value, items)
        except ExpressionError as exc:
            raise _located(exc, node, self.source) from None

    def _List(self, node: ast.List) -> list[Any]:
        values = [self.eval(e) for e in node.elts]
        return self._built(node, values, values)  # type: ignore[no-any-return]

    def _Tuple(self, node: ast.Tuple) -> tuple[Any, ...]:
        values = tuple(self.eval(e) for e in node.elts)
        return self._built(node, values, values)  # type: ignore[no-any-return]

    def _Set(self, node: ast.Set) -> set[Any]:
        values = [self.eval(e) for e in node.elts]
        self._built(node, values, values)
        return set(values)

    def _Dict(self, node: ast.Dict) -> dict[Any, Any]:
        pairs = [
            (self.eval(k), self.eval(v)) for k, v in zip(node.keys, node.values, strict=True) if k is not None
        ]
        self._built(node, pairs, [x for pair in pairs for x in pair])
        return dict(pairs)

    def _BoolOp(self, node: ast.BoolOp) -> Any:
        result: Any = None
        for value in node.values:
            result = self.eval(value)
            if isinstance(node.op, ast.And) and not result:
                return result
            if isinstance(node.op, ast.Or) and result:
                return result
        return result

    def _UnaryOp(self, node: ast.UnaryOp) -> Any:
        value = self.eval(node.operand)
        if isinstance(node.op, ast.Not):
            return not value
        if not isinstance(value, (*_NUMBER, dt.timedelta)):
            raise _error(f"unary minus/plus needs a number, not '{type(value).__name__}'", node, self.source)
        return -value if isinstance(node.op, ast.USub) else +value

    def _BinOp(self, node: ast.BinOp) -> Any:
        left, right = self.eval(node.left), self.eval(node.right)
        try:
            return _arith(type(node.op), left, right)
        except ExpressionError as exc:
            raise _located(exc, node, self.source) from None
        except ZeroDivisionError:
            raise _error("division by zero", node, self.source) from None
        except (ArithmeticError, TypeError, ValueError) as exc:
            raise _error(f"arithmetic error: {exc}", node, self.source) from None

    def _Compare(self, node: ast.Compare) -> bool:
        left = self.eval(node.left)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.eval(comparator)
            try:
                ok = _compare(op, left, right)
            except ExpressionError as exc:
                raise _located(exc, node, self.source) from None
            except TypeError:
                raise _error(
                    f"cannot compare '{type(left).__name__}' with '{type(right).__name__}'", node, self.source
                ) from None
            if not ok:
                return False
            left = right
        return True

    def _IfExp(self, node: ast.IfExp) -> Any:
        return self.eval(node.body) if self.eval(node.test) else self.eval(node.orelse)

    def _Subscript(self, node: ast.Subscript) -> Any:
        container = self.eval(node.value)
        key = self.eval(node.slice)
        try:
            self.budget.charge(self.budget.size(key))  # hashing a key visits its items
            value = _get_item(container, key)
            if isinstance(key, slice):
                self.budget.charge(len(value))
            return value
        except ExpressionError as exc:
            raise _located(exc, node, self.source) from None

    def _Slice(self, node: ast.Slice) -> slice:
        parts = [None if p is None else self.eval(p) for p in (node.lower, node.upper, node.step)]
        for p in parts:
            if p is not None and (isinstance(p, bool) or not isinstance(p, int)):
                raise _error("slice bounds must be whole numbers", node, self.source)
        return slice(*parts)

    def _Call(self, node: ast.Call) -> Any:
        assert isinstance(node.func, ast.Name)
        name = node.func.id
        args = [self.eval(a) for a in node.args]
        try:
            if name in _VISITING:
                self.budget.charge(sum(self.budget.size(a) for a in args))
            if name == "now":
                return self.clock()
            if name == "today":
                return self.clock().date()
            fn = FUNCTIONS[name][0]
            assert fn is not None
            return _check_size(fn(*args))
        except ExpressionError as exc:
            raise _located(exc, node, self.source) from None
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise _error(f"{name}(): {exc}", node, self.source) from None


# --------------------------------------------------------------------------- static limits
_CLOCK_FUNCTIONS = frozenset({"now", "today"})
_Shape = tuple[str, Any, int]  # ("value", constant, 0) or ("seq", length at least, items at least)


def _no_clock() -> dt.datetime:  # pragma: no cover - folded parts never call the clock
    raise ExpressionError("the clock is not available here")


def _constant(node: ast.AST) -> bool:
    """True when ``node`` reads no name and no clock: its value is known before any context."""
    if isinstance(node, ast.Name):
        return False
    if isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else ""
        return name not in _CLOCK_FUNCTIONS and all(_constant(a) for a in node.args)
    return all(_constant(child) for child in ast.iter_child_nodes(node))


class _StaticLimits:
    """Refuse, before anything runs, what is over the limits in any context: constant parts are folded
    under the budget (``'a' * 10**9``, ``10**10**10``) and literal repetitions are estimated from below
    (``[[[x] * 10000] * 10000] * 10000``)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.limits = current_limits()

    def check(self, node: ast.AST) -> _Shape | None:
        if isinstance(node, ast.Constant):
            return ("value", node.value, 0)
        if _constant(node):
            return self.fold(node)
        shapes = [self.check(child) for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr)]
        if isinstance(node, (ast.List, ast.Tuple)):
            items = 1 + sum(shape[2] if shape and shape[0] == "seq" else 1 for shape in shapes)
            return self.bounded(node, len(node.elts), items)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Add)):
            left, right = shapes
            if isinstance(node.op, ast.Add):
                seqs = [x for x in (left, right) if x and x[0] == "seq"]
                if not seqs:
                    return None
                return self.bounded(node, sum(x[1] for x in seqs), sum(x[2] for x in seqs) - len(seqs) + 1)
            seq, times = (left, right) if left and left[0] == "seq" else (right, left)
            if seq and seq[0] == "seq" and times and times[0] == "value":
                n = times[1]
                if isinstance(n, int) and not isinstance(n, bool) and n > 0:
                    return self.bounded(node, seq[1] * n, 1 + n * (seq[2] - 1))
        if isinstance(node, ast.IfExp) and all(x and x[0] == "seq" for x in shapes[1:]):
            body, other = shapes[1], shapes[2]
            assert body is not None and other is not None
            return ("seq", min(body[1], other[1]), min(body[2], other[2]))
        return None

    def bounded(self, node: ast.AST, length: int, items: int) -> _Shape:
        if length > self.limits.max_length:
            raise _error(
                ExpressionLimitExceeded.length(self.limits.max_length).message,
                node,
                self.source,
                ExpressionLimitExceeded,
            )
        if items > self.limits.max_elements:
            raise _error(
                ExpressionLimitExceeded.elements(self.limits.max_elements).message,
                node,
                self.source,
                ExpressionLimitExceeded,
            )
        return ("seq", length, items)

    def fold(self, node: ast.AST) -> _Shape | None:
        budget = Budget(self.limits)
        try:
            value = _run(node, {}, self.source, _no_clock, budget)
        except ExpressionLimitExceeded as exc:
            if exc.line is None:
                raise _located(exc, node, self.source) from None
            raise
        except ExpressionError:
            return None  # other failures are reported where the expression runs
        if isinstance(value, (list, tuple)):
            return ("seq", len(value), budget.size(value))
        return ("value", value, 0)


# --------------------------------------------------------------------------- public API
def parse_expression(source: str) -> CompiledExpression:
    """Parse and statically check ``source``; raise :class:`ExpressionError` if anything is refused."""
    if not isinstance(source, str):
        raise ExpressionError("expression must be text")
    if len(source) > MAX_SOURCE_LENGTH:
        raise ExpressionError(f"expression is too long (more than {MAX_SOURCE_LENGTH} characters)")
    if not source.strip():
        raise ExpressionError("expression is empty")
    text = source.strip()
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        message = "invalid syntax" if exc.msg == "invalid syntax" else f"invalid syntax: {exc.msg}"
        raise ExpressionError(message, source=source, line=exc.lineno, column=exc.offset) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("expression is too deeply nested", source=source) from None
    for count, _ in enumerate(ast.walk(tree), start=1):
        if count > MAX_NODES:
            raise ExpressionError(f"expression is too large (more than {MAX_NODES} elements)", source=source)
    checker = _Checker(source)
    checker.check(tree.body)
    _StaticLimits(source).check(tree.body)
    return CompiledExpression(source, tree, frozenset(checker.names))


def check_expression(source: str, *, known_names: Iterable[str] | None = None) -> CompiledExpression:
    """Like :func:`parse_expression`; with ``known_names`` also refuse names not in that set."""
    compiled = parse_expression(source)
    if known_names is not None:
        unknown = sorted(compiled.names - set(known_names))
        if unknown:
            first = next(
                n for n in ast.walk(compiled._tree) if isinstance(n, ast.Name) and n.id == unknown[0]
            )
            label = ", ".join(f"'{n}'" for n in unknown)
            raise _error(f"unknown name{'s' if len(unknown) > 1 else ''} {label}", first, source)
    return compiled


@functools.lru_cache(maxsize=1024)
def _compiled(source: str) -> CompiledExpression:
    return parse_expression(source)


def compiled(source: str) -> CompiledExpression:
    """:func:`parse_expression` through the same LRU cache as :func:`evaluate` (for sources evaluated
    again and again, e.g. a computed column on every row)."""
    if not isinstance(source, str):
        raise ExpressionError("expression must be text")
    return _compiled(source)


def evaluate(source: str, context: Mapping[str, Any], *, clock: Clock | None = None) -> Any:
    """Parse (through an LRU cache) and evaluate ``source`` against ``context``."""
    if not isinstance(source, str):
        raise ExpressionError("expression must be text")
    return _compiled(source).evaluate(context, clock=clock)
