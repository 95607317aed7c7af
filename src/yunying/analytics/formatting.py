"""Number formats for the reports, as plain functions: thousands grouped by commas whatever the locale's grouping
says, percentages to one decimal rounded half up. The template filters (`analytics_format`) and the rows
rendered in Python (`reports.rows`) share them, so a figure reads the same either way."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

DASH = "—"
_TENTH = Decimal("0.1")


def amount(value: Any, places: int = 0) -> str:
    """1234567.891 → '1,234,568' (or with `places` decimals); '' for None."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return f"{number:,.{int(places)}f}"


def one_decimal(value: Any) -> Decimal:
    """Rounded half up like `floatformat:1` (3.25 → 3.3)."""
    return Decimal(str(value)).quantize(_TENTH, rounding=ROUND_HALF_UP) + 0  # + 0: no "-0.0"


def percent(value: Any) -> str:
    """12.34 → '12.3%'; '—' for None (an attainment, a share: no sign, no colour)."""
    if value is None or value == "":
        return DASH
    return f"{one_decimal(value)}%"


def pct_badge(value: Any) -> str:
    """A change in percent as coloured HTML: '+3.2%' (up), '-1.5%' (down), '—' for None. Safe markup: only
    digits, signs and fixed tags."""
    if value is None or value == "":
        return f'<span class="text-secondary">{DASH}</span>'
    number = one_decimal(value)
    if float(value) >= 0:
        return f'<span class="up">+{number}%</span>'
    return f'<span class="down">{number}%</span>'
