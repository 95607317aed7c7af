"""Every evaluation is bounded: built values are measured (nested included) and each evaluation has a budget
of steps. The attacks of the security review end in ExpressionLimitExceeded, quickly and in little memory."""

from __future__ import annotations

import tracemalloc

import pytest
from django.test import override_settings
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from yunying.core.expressions import (
    ExpressionError,
    ExpressionLimitExceeded,
    evaluate,
    parse_expression,
)

LIMIT = "表达式超出计算限制"

# Refused before anything runs (constant parts folded, literal repetitions estimated): deploy and save see it.
STATIC_BOMBS = [
    "[[[1]*10000]*10000]*10000 == [[[1]*10000]*10000]*10000",
    "str([[[1]*10000]*10000]*10000)",
    "[[[x]*10000]*10000]*10000 == 1",
    "'a'*10**9",
    "10**10**10",
    "[1]*10**8",
    "x if [[0]*10000]*20 else 1",
    "(([x]*1000,)*1000)",
    "9**9999",
]

# Only the context shows how big they get: refused while running.
RUNTIME_BOMBS = [
    ("[[[x]*n]*n]*n == [[[x]*n]*n]*n", {"x": 1, "n": 10_000}),
    ("str([[x]*n]*n)", {"x": 1, "n": 1000}),
    ("'a'*n", {"n": 10**9}),
    ("x**x**x", {"x": 10}),
    ("[1]*n", {"n": 10**8}),
    ("big == big", {"big": [[1] * 10_000] * 10_000}),
    ("1 in big", {"big": [[1] * 10_000] * 10_000}),
    ("max(big)", {"big": [[1] * 10_000] * 10_000}),
    ("sum(col(rows, 'q'))", {"rows": [{"q": [[1] * 10_000] * 10_000}] * 3}),
    ("[t, t, t, t, t, t, t, t, t, t, t, t]", {"t": [0] * 9_000}),
    ("{(t,): 1}", {"t": [[1] * 10_000] * 10_000}),
]


@pytest.mark.parametrize("source", STATIC_BOMBS)
def test_static_bombs_are_refused_when_parsed(source: str) -> None:
    with pytest.raises(ExpressionLimitExceeded) as info:
        parse_expression(source)
    assert info.value.message.startswith(LIMIT)
    assert info.value.line == 1 and info.value.column is not None
    with pytest.raises(ExpressionLimitExceeded):
        evaluate(source, {"x": 1})


@pytest.mark.parametrize(("source", "context"), RUNTIME_BOMBS)
def test_runtime_bombs_fail_with_the_limit_error(source: str, context: dict[str, object]) -> None:
    parse_expression(source)  # nothing to see before the context is known
    tracemalloc.start()
    try:
        with pytest.raises(ExpressionLimitExceeded) as info:
            evaluate(source, context)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert info.value.message.startswith(LIMIT)
    assert isinstance(info.value, ExpressionError)  # callers that handle evaluation errors handle it
    assert peak < 20_000_000


def test_the_message_is_translated() -> None:
    with translation.override("en"), pytest.raises(ExpressionLimitExceeded) as info:
        evaluate("'a' * n", {"n": 10**9})
    assert info.value.message.startswith("The expression exceeds its computation limits")


def test_shared_values_within_the_limits_still_work() -> None:
    assert evaluate("[[x]*300]*300 == [[x]*300]*300", {"x": 1}) is True
    assert evaluate("len(str([x]*1000))", {"x": 1}) == 3 * 1000
    rows = [{"qty": i, "price": 2} for i in range(2000)]
    assert evaluate("sumproduct(rows, 'qty', 'price')", {"rows": rows}) == 2 * sum(range(2000))
    assert evaluate("len(big)", {"big": [[1] * 10_000] * 10_000}) == 10_000  # len() does not walk
    assert evaluate("'a' * 10000 + ''", {}) == "a" * 10_000


@override_settings(YUNYING_EXPRESSION_MAX_STEPS=200)
def test_the_budget_of_steps_is_a_setting() -> None:
    assert evaluate("sum(xs)", {"xs": list(range(10))}) == 45
    with pytest.raises(ExpressionLimitExceeded, match="200"):
        evaluate("sum(xs) + sum(xs) + sum(xs)", {"xs": list(range(10))})


@override_settings(YUNYING_EXPRESSION_MAX_ELEMENTS=50, YUNYING_EXPRESSION_MAX_LENGTH=20)
def test_the_sizes_are_settings() -> None:
    assert evaluate("[[x]*5]*5", {"x": 1}) == [[1] * 5] * 5
    with pytest.raises(ExpressionLimitExceeded):
        evaluate("[[x]*5]*n", {"x": 1, "n": 10})
    with pytest.raises(ExpressionLimitExceeded):
        evaluate("'a' * n", {"n": 21})


_LEAF = st.sampled_from(["x", "1", "'ab'", "[x]", "[]", "(x,)"])


@st.composite
def repetitions(draw: st.DrawFn, depth: int = 0) -> str:
    if depth > 3 or draw(st.booleans()):
        return draw(_LEAF)
    inner = draw(repetitions(depth + 1))
    kind = draw(st.sampled_from(["list", "mul", "add", "cmp", "str"]))
    if kind == "list":
        return f"[{inner}, {inner}]"
    if kind == "mul":
        return f"({inner}) * {draw(st.sampled_from(['n', '10', '1000', '10**4']))}"
    if kind == "add":
        return f"({inner}) + ({inner})"
    if kind == "cmp":
        return f"({inner}) == ({inner})"
    return f"str({inner})"


@settings(max_examples=150, deadline=None)
@given(repetitions())
def test_any_mix_of_repetitions_is_bounded(source: str) -> None:
    tracemalloc.start()
    try:
        evaluate(source, {"x": 1, "n": 10_000})
    except ExpressionError:
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < 50_000_000
