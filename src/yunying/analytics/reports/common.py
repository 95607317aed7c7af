"""Small helpers shared by the reports: ratios, rounding, ranking."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from django.db.models import QuerySet

T = TypeVar("T")
ZERO = Decimal(0)
CENT = Decimal("0.01")


def money(value: Any) -> Decimal:
    if value is None:
        return ZERO
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def pct_change(current: Decimal | None, base: Decimal | None) -> float | None:
    """(current − base) / base in percent, one decimal; None without a base to compare with."""
    if current is None or base is None or base <= 0:
        return None
    return round(float((current - base) / base * 100), 1)


def pct_of(part: Decimal | None, whole: Decimal | None) -> float | None:
    if part is None or whole is None or whole <= 0:
        return None
    return round(float(part / whole * 100), 1)


def ratio(numerator: Decimal | None, denominator: int | Decimal | None) -> Decimal | None:
    if numerator is None or not denominator:
        return None
    return money(Decimal(numerator) / Decimal(denominator))


def rank(items: Sequence[T], key: Callable[[T], Any], setter: Callable[[T, int | None], None]) -> None:
    """Competition ranking (1, 2, 2, 4) by `key` descending; items whose key is None get no rank."""
    ranked = sorted((i for i in items if key(i) is not None), key=key, reverse=True)
    previous, position = None, 0
    for index, item in enumerate(ranked, start=1):
        value = key(item)
        if value != previous:
            position, previous = index, value
        setter(item, position)
    for item in items:
        if key(item) is None:
            setter(item, None)


def only_stores(qs: QuerySet[Any], ids: list[int] | None) -> QuerySet[Any]:
    return qs if ids is None else qs.filter(store_id__in=ids)


def num(value: Any) -> float:
    return float(value) if value is not None else 0.0


def like_for_like(lines: Iterable[tuple[Decimal, Decimal | None]]) -> tuple[Decimal, Decimal] | None:
    """同店同比, the one definition every page uses: of (sales, last year's sales or None) per store, only the
    stores that traded in both periods count, on both sides. (this year's, last year's) sums, or None."""
    comparable = [(sales, base) for sales, base in lines if base is not None and base > 0 and sales > 0]
    if not comparable:
        return None
    return sum((s for s, _b in comparable), ZERO), sum((b for _s, b in comparable), ZERO)


def comparable_a_year_ago(opened_on: date | None, period_start_a_year_ago: date) -> bool:
    """A store has a comparable period a year ago when it was open on its first day (new stores have none)."""
    return opened_on is None or opened_on <= period_start_a_year_ago
