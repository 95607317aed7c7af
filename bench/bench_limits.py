"""What each expression and pattern attack costs now: time and peak memory (tracemalloc) per attempt.

    .venv/bin/python bench/bench_limits.py
    .venv/bin/python bench/bench_limits.py --baseline-re 22   # Python's re on the evil pattern, 16..22 chars

Expression attacks go through ``yunying.core.expressions.evaluate`` (parse, static check and evaluation,
as every place that holds expressions does); "static" ones are refused before anything runs, "runtime"
ones only once the context is known; "heavy" ones are made of legal parts and run until the budget of
steps is spent (the longest any evaluation can take); "legal" ones are ordinary large work that passes.
Pattern attacks go through the forms' RE2 matching (``yunying.forms.patterns``) beside Python's ``re``
on short inputs (its time doubles with every character or two; 40 characters would take hours).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yunying.settings")
os.environ.setdefault("YUNYING_DATA_DIR", str(ROOT / "var"))

EVIL = r"^([a-zA-Z]+\s?)*$"
BIG = [[1] * 10_000] * 10_000  # a context value of 10^8 items, sharing one row

EXPRESSIONS: list[tuple[str, str, dict[str, Any]]] = [
    ("static", "[[[1]*10000]*10000]*10000 == [[[1]*10000]*10000]*10000", {}),
    ("static", "str([[[1]*10000]*10000]*10000)", {}),
    ("static", "'a'*10**9", {}),
    ("static", "10**10**10", {}),
    ("static", "[1]*10**8", {}),
    ("runtime", "[[[n]*n]*n]*n == [[[n]*n]*n]*n", {"n": 10_000}),
    ("runtime", "str([[x]*n]*n)", {"x": 1, "n": 1000}),
    ("runtime", "'a'*n", {"n": 10**9}),
    ("runtime", "x**x**x", {"x": 10}),
    ("runtime", "big == big", {"big": BIG}),
    ("runtime", "1 in big", {"big": BIG}),
    ("heavy", " + ".join(["sum(xs)"] * 40), {"xs": list(range(20_000))}),
    ("legal", "[[x]*300]*300 == [[x]*300]*300", {"x": 1}),
    ("heavy", " and ".join(["a == b"] * 5), {"a": list(range(90_000)), "b": list(range(90_000))}),
    ("legal", "sumproduct(rows, 'qty', 'price')", {"rows": [{"qty": i, "price": 2} for i in range(10_000)]}),
]


def attempt(fn: Callable[[], Any]) -> str:
    try:
        return f"ok: {str(fn())[:30]}"
    except Exception as exc:  # the bounded outcome is the point
        return f"{type(exc).__name__}: {getattr(exc, 'message', exc)}"[:60]


def measure(fn: Callable[[], Any]) -> tuple[float, float, str]:
    """Seconds of a plain run, then the peak memory of a second run under tracemalloc (which slows it)."""
    started = time.perf_counter()
    outcome = attempt(fn)
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    attempt(fn)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return elapsed, peak / 1e6, outcome


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--baseline-re", type=int, default=20, help="longest input for Python's re (default 20)"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from yunying.core.expressions import _compiled, current_limits, evaluate
    from yunying.forms import patterns

    limits = current_limits()
    print(
        f"limits: {limits.max_steps:,} steps, {limits.max_elements:,} items, {limits.max_length:,} "
        f"characters or items per value, {limits.max_int_bits} bits; pattern input {patterns.max_input()}"
    )
    print(f"\n{'kind':8} {'seconds':>8} {'peak MB':>8}  {'expression':50} outcome")
    for kind, source, context in EXPRESSIONS:

        def run(s: str = source, c: dict[str, Any] = context) -> Any:
            _compiled.cache_clear()  # parsing and the static check are part of the cost
            return evaluate(s, c)

        seconds, peak, outcome = measure(run)
        print(f"{kind:8} {seconds:8.3f} {peak:8.1f}  {source[:50]:50} {outcome}")

    print(f"\n{'engine':8} {'chars':>6} {'seconds':>8} {'peak MB':>8}  outcome")
    for length in (25, 40, 1000):
        text = "a" * (length - 1) + "!"
        seconds, peak, outcome = measure(lambda t=text: patterns.full_match(EVIL, t))  # type: ignore[misc]
        print(f"{'RE2':8} {length:6} {seconds:8.4f} {peak:8.1f}  {outcome}")
    for length in range(16, args.baseline_re + 1, 2):
        text = "a" * (length - 1) + "!"
        seconds, peak, outcome = measure(lambda t=text: re.fullmatch(EVIL, t))  # type: ignore[misc]
        print(f"{'re':8} {length:6} {seconds:8.4f} {peak:8.1f}  {outcome}")


if __name__ == "__main__":
    main()
