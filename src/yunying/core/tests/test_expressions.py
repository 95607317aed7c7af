"""Tests of the restricted expression evaluator (plain pytest, no Django)."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yunying.core.expressions import (
    CompiledExpression,
    ExpressionError,
    ExpressionLimitExceeded,
    check_expression,
    evaluate,
    parse_expression,
)

ATTACKS = [
    "__import__('os')",
    "__import__('os').system('id')",
    "().__class__.__base__.__subclasses__()",
    "[c for c in ()]",
    "{c: 1 for c in 'ab'}",
    "(c for c in ())",
    "lambda: 1",
    "open('x')",
    "getattr(1, 'real')",
    "'a' * 10**9",
    "[0] * 10**9",
    "'a' * 10000 + 'b' * 10000",
    "2 ** 10 ** 10",
    "10 ** 100 ** 2",
    "eval('1')",
    "exec('x=1')",
    "type(1)",
    "x.y",
    "(x := 1)",
    "f'{x:>99999999}'",
    "print(*[1])",
    "max(**{})",
    "len(x=1)",
    "__builtins__",
    "'%9999999999d' % 1",
    "~1",
    "1 is 1",
    "globals()",
    "vars()",
    "import os",
]


@pytest.mark.parametrize("source", ATTACKS)
def test_attacks_are_refused(source: str) -> None:
    with pytest.raises(ExpressionError):
        evaluate(source, {"x": 1})


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("__import__('os')", "function '__import__' is not allowed"),
        ("().__class__.__base__.__subclasses__()", "attribute access is not allowed"),
        ("[c for c in ()]", "comprehensions are not allowed"),
        ("lambda: 1", "lambda functions are not allowed"),
        ("open('x')", "function 'open' is not allowed"),
        ("getattr(1,'real')", "function 'getattr' is not allowed"),
        ("foo + 1", "unknown name 'foo'"),
    ],
)
def test_messages_are_short_and_precise(source: str, message: str) -> None:
    with pytest.raises(ExpressionError) as info:
        evaluate(source, {})
    assert info.value.message == message
    assert info.value.line == 1 and info.value.column is not None


def test_attacks_are_refused_at_parse_time_without_a_context() -> None:
    for source in ["__import__('os')", "().__class__", "[c for c in ()]", "lambda: 1", "open('x')"]:
        with pytest.raises(ExpressionError):
            parse_expression(source)


def test_size_limits() -> None:
    with pytest.raises(ExpressionError, match="too long"):
        parse_expression("1 + " * 600 + "1")
    with pytest.raises(ExpressionError, match=r"too large|too deeply"):
        parse_expression("+".join(["1"] * 400))
    with pytest.raises(ExpressionError, match="nested"):
        parse_expression("-" * 60 + "1")
    with pytest.raises(ExpressionLimitExceeded, match="表达式超出计算限制"):
        evaluate("'ab' * 6000", {})
    assert evaluate("'ab' * 5000", {}) == "ab" * 5000


def test_basic_language() -> None:
    ctx = {"amount": 250, "items": [3, 4, 5], "row": {"qty": 2}, "who": None, "name": "store 7"}
    assert evaluate("amount < 200", ctx) is False
    assert evaluate("amount <= 300 and amount > 200", ctx) is True
    assert evaluate("not (amount == 250)", ctx) is False
    assert evaluate("items[0] + items[-1]", ctx) == 8
    assert evaluate("items[1:]", ctx) == [4, 5]
    assert evaluate("row['qty'] * 3", ctx) == 6
    assert evaluate("who is None and name is not None", ctx) is True
    assert evaluate("4 in items and 9 not in items", ctx) is True
    assert evaluate("'store' in name", ctx) is True
    assert evaluate("'big' if amount > 200 else 'small'", ctx) == "big"
    assert evaluate("{'a': 1, 'b': [1, 2]}['b'][1]", ctx) == 2
    assert evaluate("(1, 2) + (3,)", ctx) == (1, 2, 3)
    assert evaluate("-amount // 7, amount % 7, amount / 4", ctx) == (-36, 5, 62.5)
    assert evaluate("2 ** 10", ctx) == 1024
    assert evaluate("amount or 5", ctx) == 250


def test_functions() -> None:
    rows = [{"qty": 2, "price": Decimal("1.50")}, {"qty": 3, "price": Decimal("2.00")}]
    ctx = {"rows": rows, "xs": [1, 5, 3], "flags": [True, False]}
    assert evaluate("sumproduct(rows, 'qty', 'price')", ctx) == Decimal("9.00")
    assert evaluate("col(rows, 'qty')", ctx) == [2, 3]
    assert evaluate("sum(col(rows, 'qty'))", ctx) == 5
    assert evaluate("len(xs), min(xs), max(xs), max(1, 9)", ctx) == (3, 1, 5, 9)
    assert evaluate("abs(-2), round(2.567, 2), int('7'), float('1.5'), str(12), bool(0)", ctx) == (
        2,
        2.57,
        7,
        1.5,
        "12",
        False,
    )
    assert evaluate("any(flags), all(flags)", ctx) == (True, False)
    assert evaluate("date(2024, 2, 29)", ctx) == dt.date(2024, 2, 29)
    assert evaluate("decimal('1.10') + 1", ctx) == Decimal("2.10")


def test_decimal_and_float_mix() -> None:
    ctx = {"price": Decimal("10.00"), "rate": 0.1}
    assert evaluate("price * rate", ctx) == Decimal("1.000")
    assert evaluate("price + 0.1", ctx) == Decimal("10.10")
    assert evaluate("price * 1.1 == 11", ctx) is True
    assert evaluate("sum([price, 0.5, 1])", ctx) == Decimal("11.50")
    assert evaluate("max(price, 10.5)", ctx) == Decimal("10.5")
    assert evaluate("decimal('0.1') == 0.1", ctx) is True


def test_clock() -> None:
    fixed = dt.datetime(2025, 1, 31, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert evaluate("today()", {}, clock=lambda: fixed) == dt.date(2025, 1, 31)
    assert evaluate("now()", {}, clock=lambda: fixed) == fixed
    assert evaluate("today() - date(2025, 1, 1)", {}, clock=lambda: fixed) == dt.timedelta(days=30)
    assert evaluate("today() + days(2) > due", {"due": dt.date(2025, 2, 1)}, clock=lambda: fixed) is True


def test_runtime_errors_are_expression_errors() -> None:
    for source, ctx in [
        ("1 / 0", {}),
        ("a // b", {"a": 1, "b": 0}),
        ("items[5]", {"items": []}),
        ("row['x']", {"row": {}}),
        ("'a' + 1", {}),
        ("x < 'a'", {"x": 1}),
        ("min([])", {}),
        ("int('x')", {}),
        ("obj[0]", {"obj": object()}),
        ("date(2025, 2, 30)", {}),
        ("len(5)", {}),
        ("str(o)", {"o": object()}),
    ]:
        with pytest.raises(ExpressionError):
            evaluate(source, ctx)


def test_names_and_check_expression() -> None:
    compiled = parse_expression("len(items) > limit and sum(col(rows, 'qty')) < cap")
    assert isinstance(compiled, CompiledExpression)
    assert compiled.names == frozenset({"items", "limit", "rows", "cap"})
    check_expression("a + b", known_names=["a", "b"])
    with pytest.raises(ExpressionError) as info:
        check_expression("a + b + c", known_names=["a"])
    assert info.value.message == "unknown names 'b', 'c'"
    assert info.value.column == 5


def test_syntax_errors_have_positions() -> None:
    with pytest.raises(ExpressionError) as info:
        parse_expression("amount >")
    assert info.value.message.startswith("invalid syntax")
    assert info.value.line == 1
    with pytest.raises(ExpressionError, match="empty"):
        parse_expression("   ")


def test_cache_returns_same_compiled_object() -> None:
    from yunying.core import expressions

    evaluate("x + 1", {"x": 1})
    assert expressions._compiled("x + 1") is expressions._compiled("x + 1")


# ---------------------------------------------------------------- property-based
_OPS = ["+", "-", "*", "//", "%"]


@st.composite
def int_expressions(draw: st.DrawFn, depth: int = 0) -> str:
    if depth > 4 or draw(st.booleans()):
        n = draw(st.integers(min_value=-1000, max_value=1000))
        return f"({n})" if n < 0 else str(n)
    op = draw(st.sampled_from(_OPS))
    return f"({draw(int_expressions(depth + 1))} {op} {draw(int_expressions(depth + 1))})"


@settings(max_examples=300, deadline=None)
@given(int_expressions())
def test_integer_arithmetic_matches_python(source: str) -> None:
    try:
        expected = eval(source, {"__builtins__": {}})
    except ZeroDivisionError:
        with pytest.raises(ExpressionError, match="division by zero"):
            evaluate(source, {})
        return
    assert evaluate(source, {}) == expected


@settings(max_examples=200, deadline=None)
@given(
    st.integers(-(10**6), 10**6),
    st.integers(-(10**6), 10**6),
    st.sampled_from(["<", "<=", ">", ">=", "==", "!="]),
)
def test_comparisons_match_python(a: int, b: int, op: str) -> None:
    source = f"a {op} b"
    assert evaluate(source, {"a": a, "b": b}) == eval(source, {"__builtins__": {}}, {"a": a, "b": b})


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_escapes(source: str) -> None:
    with contextlib.suppress(ExpressionError):
        evaluate(source, {"x": 1})


def test_evaluator_never_calls_eval_exec_or_compile() -> None:
    import ast
    import inspect

    from yunying.core import expressions

    tree = ast.parse(inspect.getsource(expressions))
    called = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert not called & {"eval", "exec", "compile", "__import__"}
