"""Number formats for the reports: thousands grouped by commas whatever the locale's grouping says."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

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
