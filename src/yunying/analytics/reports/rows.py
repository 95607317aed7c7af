"""The monthly page's table bodies as one string each: hundreds of rows without a template round (and its
context look-ups, filters and auto-escaping per cell) each. The same cells and formats as the template had;
every text from the data is escaped here (`escape`), numbers go through `formatting`."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from yunying.analytics.formatting import DASH, amount, pct_badge, percent


def escape(value: Any) -> str:
    """`django.utils.html.escape` without its check for lazy strings on every call (thousands of cells):
    the same five characters escaped the same way."""
    return html.escape(str(value))


def _or_dash(value: Any) -> str:
    """`{{ value|default:"—" }}` of a number: a dash for None and 0."""
    return str(value) if value else DASH


def monthly_store_rows(stores: Iterable[Any], *, store_url: str, month: str) -> SafeString:
    """`<tr>` rows of a region's stores (`StoreLine`s) for the monthly table."""
    derived_label = escape(_("商品汇总"))
    derived_title = escape(_("没有导入门店日销售：门店合计由商品明细汇总得出"))
    month = escape(month)
    out = []
    for s in stores:
        store = s.store
        code = escape(store.code)
        badge = (
            f' <span class="badge bg-azure-lt" title="{derived_title}" data-testid="derived-store">{derived_label}</span>'
            if s.derived_days
            else ""
        )
        url = escape(store_url.replace("-code-", quote(str(store.code), safe="")))
        out.append(
            f'<tr x-show="open" x-cloak data-store="{code}"><td class="ps-4">'
            f'<a href="{url}?month={month}">{escape(store.name)}</a> '
            f'<span class="text-secondary small">{code}</span>{badge}</td>'
            f'<td class="num">{_or_dash(s.rank)}</td>'
            f'<td class="num">{amount(s.sales)}</td><td class="num">{amount(s.tickets)}</td>'
            f'<td class="num">{_or_dash(s.avg_ticket)}</td>'
            f'<td class="num">{pct_badge(s.mom_pct)}</td><td class="num" data-testid="yoy">{pct_badge(s.yoy_pct)}</td>'
            f'<td class="num">{amount(s.target) or DASH}</td><td class="num">{percent(s.attainment_pct)}</td></tr>'
        )
    return mark_safe("\n".join(out))


def monthly_table_body(regions: Iterable[Any], *, store_url: str, month: str, region: str) -> SafeString:
    """The monthly table's `<tbody>`s: per region (`RegionLine`) its row, then its stores' rows (shown when the
    region is opened, or at once when the page shows one region)."""
    open_now = "true" if region else "false"
    only_label = escape(_("仅看该区域"))
    month_param = escape(month)
    out = []
    for r in regions:
        code = escape(r.code)
        out.append(
            f'<tbody x-data="disclosure({open_now})">\n'
            f'<tr class="fw-bold" data-region="{code}"><td><a href="#" @click.prevent="toggle" '
            f'data-testid="region-toggle">{escape(r.name)}</a> '
            f'<a class="ms-2 small fw-normal d-print-none" href="?month={month_param}&amp;region={code}">{only_label}</a></td>'
            f'<td class="num">{_or_dash(r.rank)}</td><td class="num">{amount(r.sales)}</td>'
            f'<td class="num">{amount(r.tickets)}</td><td class="num">{_or_dash(r.avg_ticket)}</td>'
            f'<td class="num">{pct_badge(r.mom_pct)}</td><td class="num">{pct_badge(r.yoy_pct)}</td>'
            f'<td class="num">{amount(r.target) or DASH}</td><td class="num">{percent(r.attainment_pct)}</td></tr>\n'
            f"{monthly_store_rows(r.stores, store_url=store_url, month=month)}\n</tbody>"
        )
    return mark_safe("\n".join(out))


def mismatch_rows(mismatches: Iterable[Any]) -> SafeString:
    """The rows of the stores whose store total and product total disagree (`TotalsMismatch`es)."""
    not_imported = escape(_("未导入"))
    out = []
    for x in mismatches:
        code = escape(x.store.code)
        store_total = not_imported if x.store_total is None else amount(x.store_total, 2)
        out.append(
            f'<tr data-testid="mismatch" data-mismatch-store="{code}"><td>{escape(x.store.name)} '
            f'<span class="text-secondary small">{code}</span></td>'
            f'<td class="num">{store_total}</td><td class="num">{amount(x.product_total, 2)}</td>'
            f'<td class="num">{amount(x.difference, 2)}</td></tr>'
        )
    return mark_safe("".join(out))
