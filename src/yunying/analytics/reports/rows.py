"""The monthly page's store rows as one string: hundreds of rows without a template round (and its context
look-ups, filters and auto-escaping per cell) each. The same cells and formats as the template had."""

from __future__ import annotations

from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from yunying.analytics.templatetags.analytics_format import amount, fill, pct, percent


def monthly_store_rows(stores: list[Any], *, store_url: str, month: str) -> SafeString:
    """`<tr>` rows of a region's stores (`StoreLine`s) for the monthly table."""
    derived_label = escape(_("商品汇总"))
    derived_title = escape(_("没有导入门店日销售：门店合计由商品明细汇总得出"))
    out = []
    for s in stores:
        store = s.store
        code = escape(store.code)
        badge = (
            f' <span class="badge bg-azure-lt" title="{derived_title}" data-testid="derived-store">{derived_label}</span>'
            if s.derived_days
            else ""
        )
        target = amount(s.target)
        out.append(
            f'<tr x-show="open" x-cloak data-store="{code}"><td class="ps-4">'
            f'<a href="{escape(fill(store_url, store.code))}?month={month}">{escape(store.name)}</a> '
            f'<span class="text-secondary small">{code}</span>{badge}</td>'
            f'<td class="num">{s.rank if s.rank is not None else "—"}</td>'
            f'<td class="num">{amount(s.sales)}</td><td class="num">{amount(s.tickets)}</td>'
            f'<td class="num">{s.avg_ticket if s.avg_ticket is not None else "—"}</td>'
            f'<td class="num">{pct(s.mom_pct)}</td><td class="num" data-testid="yoy">{pct(s.yoy_pct)}</td>'
            f'<td class="num">{target or "—"}</td><td class="num">{percent(s.attainment_pct)}</td></tr>'
        )
    return mark_safe("\n".join(out))
