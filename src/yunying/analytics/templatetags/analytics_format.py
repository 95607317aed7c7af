"""Number formats for the reports: thousands grouped by commas whatever the locale's grouping says."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django import template
from django.utils.safestring import mark_safe

from yunying.analytics import formatting

register = template.Library()


@register.filter
def amount(value: Any, places: int = 0) -> str:
    """1234567.891 → '1,234,568' (or with `places` decimals); '' for None."""
    return formatting.amount(value, places)


@register.filter
def percent(value: Any) -> str:
    """12.34 → '12.3%'; '—' for None (an attainment, a share: no sign, no colour)."""
    return formatting.percent(value)


@register.filter
def fill(pattern: str, code: Any) -> str:
    """A URL reversed once with the placeholder '-code-', filled per row: `{{ store_url|fill:s.code }}`."""
    return pattern.replace("-code-", quote(str(code), safe=""))


@register.filter
def pct(value: Any) -> str:
    """A change in percent as a coloured badge: '+3.2%' (up), '-1.5%' (down), '—' for None.

    A filter rather than an included template: a report with hundreds of rows renders it a thousand times."""
    return mark_safe(formatting.pct_badge(value))


@register.simple_tag
def monthly_body(regions: Any, store_url: str, month: str, region: str) -> str:
    """The monthly table's region and store rows in one call (see `reports.rows`)."""
    from yunying.analytics.reports.rows import monthly_table_body

    return monthly_table_body(regions, store_url=store_url, month=month, region=region)


@register.simple_tag
def mismatch_rows(mismatches: Any) -> str:
    """The rows of the stores whose store and product totals disagree, in one call (see `reports.rows`)."""
    from yunying.analytics.reports import rows

    return rows.mismatch_rows(mismatches)
