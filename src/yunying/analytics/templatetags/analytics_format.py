"""Number formats for the reports: thousands grouped by commas whatever the locale's grouping says."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def amount(value: Any, places: int = 0) -> str:
    """1234567.891 → '1,234,568' (or with `places` decimals); '' for None."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return f"{number:,.{int(places)}f}"


@register.filter
def percent(value: Any) -> str:
    """12.34 → '12.3%'; '—' for None (an attainment, a share: no sign, no colour)."""
    if value is None or value == "":
        return "—"
    return f"{_one_decimal(value)}%"


@register.filter
def fill(pattern: str, code: Any) -> str:
    """A URL reversed once with the placeholder '-code-', filled per row: `{{ store_url|fill:s.code }}`."""
    return pattern.replace("-code-", quote(str(code), safe=""))


@register.filter
def pct(value: Any) -> str:
    """A change in percent as a coloured badge: '+3.2%' (up), '-1.5%' (down), '—' for None.

    A filter rather than an included template: a report with hundreds of rows renders it a thousand times."""
    if value is None or value == "":
        return mark_safe('<span class="text-secondary">—</span>')
    number = _one_decimal(value)
    if float(value) >= 0:
        return mark_safe(f'<span class="up">+{number}%</span>')
    return mark_safe(f'<span class="down">{number}%</span>')


def _one_decimal(value: Any) -> Decimal:
    """Rounded half up like `floatformat:1` (3.25 → 3.3)."""
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) + 0  # + 0: no "-0.0"


@register.simple_tag
def monthly_rows(stores: Any, store_url: str, month: str) -> str:
    """The monthly table's store rows in one call (see `reports.rows`)."""
    from yunying.analytics.reports.rows import monthly_store_rows

    return monthly_store_rows(stores, store_url=store_url, month=month)
