"""The canonical columns of a sales file, the Chinese headings POS exports use for them, and how a file's
header is matched to them (a source's saved mapping first, then the known headings)."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yunying.core.errors import DomainError
from yunying.core.tabular import map_header

PRODUCT = "product"
STORE = "store"
LINES = "lines"  # order lines (one line of a ticket): summed into product-days and store-days on import
WEEKLY = "weekly"  # store-weeks from a weekly source: kept at the weekly grain
PRODUCT_WEEKLY = "prod_week"  # product-weeks from a weekly source: kept at the weekly grain

COLUMNS: dict[str, tuple[str, ...]] = {
    PRODUCT: ("store_code", "date", "product_code", "qty", "amount", "product_name", "category"),
    STORE: ("store_code", "date", "net_sales", "tickets", "customers", "channel", "discounts"),
    WEEKLY: ("store_code", "date", "net_sales", "tickets", "customers"),
    PRODUCT_WEEKLY: ("store_code", "date", "product_code", "qty", "amount", "product_name", "category"),
    LINES: (
        "store_code",
        "ticket_id",
        "date",
        "product_code",
        "product_name",
        "category",
        "qty",
        "price",
        "amount",
        "channel",
        "payment",
    ),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    PRODUCT: ("store_code", "date", "product_code", "qty", "amount"),
    STORE: ("store_code", "date", "net_sales", "tickets"),
    WEEKLY: ("store_code", "date", "net_sales"),
    PRODUCT_WEEKLY: ("store_code", "date", "product_code", "qty", "amount"),
    LINES: ("store_code", "ticket_id", "date", "product_code", "qty"),  # and price or amount
}
KIND_LABELS = {
    PRODUCT: gettext_lazy("商品日销售"),
    STORE: gettext_lazy("门店日销售"),
    WEEKLY: gettext_lazy("门店周销售（按周汇总）"),
    PRODUCT_WEEKLY: gettext_lazy("商品周销售（按周汇总）"),
    LINES: gettext_lazy("订单明细（按单据逐行）"),
}

LABELS = {
    "store_code": gettext_lazy("门店编码"),
    "date": gettext_lazy("日期"),
    "product_code": gettext_lazy("商品编码"),
    "product_name": gettext_lazy("商品名称"),
    "category": gettext_lazy("商品类别"),
    "qty": gettext_lazy("数量"),
    "amount": gettext_lazy("金额"),
    "net_sales": gettext_lazy("净销售额"),
    "tickets": gettext_lazy("单数"),
    "customers": gettext_lazy("客数"),
    "channel": gettext_lazy("渠道"),
    "discounts": gettext_lazy("折扣额"),
    "ticket_id": gettext_lazy("单号"),
    "price": gettext_lazy("单价"),
    "payment": gettext_lazy("支付方式"),
}

# Headings seen in POS exports, matched without asking (a saved mapping overrides them).
ALIASES: dict[str, tuple[str, ...]] = {
    "store_code": ("门店编码", "门店编号", "门店代码", "店号", "分店编码"),
    "date": ("日期", "营业日期", "销售日期", "业务日期"),
    "product_code": ("商品编码", "商品编号", "菜品编码", "菜品编号", "品项编码"),
    "product_name": ("商品名称", "菜品名称", "品项名称"),
    "category": ("商品类别", "菜品类别", "类别"),
    "qty": ("数量", "销售数量", "销量", "销售份数", "份数"),
    "amount": ("金额", "销售金额", "实收金额", "销售额"),
    "net_sales": ("净销售额", "营业额", "销售额", "实收"),
    "tickets": ("单数", "账单数", "订单数", "交易笔数"),
    "customers": ("客数", "来客数", "客流"),
    "channel": ("渠道", "销售渠道"),
    "discounts": ("折扣额", "折扣", "优惠金额"),
    "ticket_id": ("单号", "账单号", "订单号", "小票号", "流水号", "单据号", "order_id", "ticket"),
    "price": ("单价", "售价", "价格", "unit_price"),
    "payment": ("支付方式", "付款方式", "结算方式", "payment_method"),
}
# Order lines are dated by the time of the sale as often as by a date.
LINE_DATE_ALIASES = ("下单时间", "结账时间", "销售时间", "交易时间", "时间", "order_time", "time")
# A weekly source names the week by one of its days (headings that name a date first: a 周次 column often holds
# a week number, not a day).
WEEK_ALIASES = ("周开始日期", "周起始日期", "周一", "week_start", "销售周", "周", "周次", "week")
WEEK_KINDS = (WEEKLY, PRODUCT_WEEKLY)

CHANNELS = {
    "dine_in": "dine_in",
    "堂食": "dine_in",
    "店内": "dine_in",
    "takeaway": "takeaway",
    "外带": "takeaway",
    "自提": "takeaway",
    "打包": "takeaway",
    "delivery": "delivery",
    "外卖": "delivery",
    "外送": "delivery",
    "配送": "delivery",
}


def resolve(header: list[str], kind: str, mapping: dict[str, str] | None = None) -> dict[str, int]:
    """Canonical column → index in the row, from an explicit mapping (canonical → heading) and the aliases."""
    positions: dict[str, int] = {}
    stripped = [h.strip() for h in header]
    for key, heading in (mapping or {}).items():
        if key in COLUMNS[kind] and heading and heading.strip() in stripped:
            positions[key] = stripped.index(heading.strip())
    rest = {k: ALIASES[k] for k in COLUMNS[kind] if k not in positions}
    if kind == LINES and "date" in rest:
        rest["date"] = (*ALIASES["date"], *LINE_DATE_ALIASES)
    if kind in WEEK_KINDS and "date" in rest:
        rest["date"] = (*WEEK_ALIASES, *ALIASES["date"])
    positions.update(map_header([_plain(h) for h in stripped], rest))
    return positions


def _plain(heading: str) -> str:
    """'实收金额(元)' → '实收金额': units in brackets do not change what a column is."""
    return re.sub(r"[(（\[【].*?[)）\]】]", "", heading).replace(" ", "").strip() or heading


def detect_kind(header: list[str], mappings: dict[str, dict[str, str]] | None = None) -> str | None:
    mappings = mappings or {}
    lines = resolve(header, LINES, mappings.get(LINES))
    if "ticket_id" in lines and "product_code" in lines:
        return LINES
    weeks = mappings.get(PRODUCT_WEEKLY, {})
    week_heading = weeks.get("date", "").strip()
    if (
        week_heading
        and week_heading in {h.strip() for h in header}
        and "product_code" in resolve(header, PRODUCT_WEEKLY, weeks)
    ):  # a source saved as weekly products, and the file has its week column
        return PRODUCT_WEEKLY
    if WEEKLY in mappings or any(_plain(h.strip()).lower() in WEEK_ALIASES for h in header):
        if "product_code" in resolve(header, PRODUCT_WEEKLY, mappings.get(PRODUCT_WEEKLY)):
            return PRODUCT_WEEKLY
        if "net_sales" in resolve(header, WEEKLY, mappings.get(WEEKLY)):
            return WEEKLY
    if "product_code" in resolve(header, PRODUCT, mappings.get(PRODUCT)):
        return PRODUCT
    if "net_sales" in resolve(header, STORE, mappings.get(STORE)):
        return STORE
    return None


# Columns recognised but not stored: the payment method of an order line (no breakdown by payment is kept).
NOT_STORED = ("payment",)


def unused(header: list[str], positions: dict[str, int]) -> list[str]:
    """The file's headings the import does not store — no canonical column reads them, or one that is not
    kept (`NOT_STORED`): named back to the user, never dropped silently."""
    taken = {i for key, i in positions.items() if key not in NOT_STORED}
    return [h.strip() for i, h in enumerate(header) if i not in taken and h.strip()]


# The first text of a row of totals below (or between) the data rows of a POS export.
SUMMARY_MARKS = ("合计", "总计", "小计", "合 计", "总 计")
SUMMARY_STARTS = frozenset(mark[0] for mark in SUMMARY_MARKS)


def summary_row(cells: list[Any]) -> bool:
    """A row of totals (合计/总计/小计 in its first filled cell): not data, never imported, named back."""
    for cell in cells:
        text = str(cell).strip() if cell is not None else ""
        if text:
            return text.startswith(SUMMARY_MARKS)
    return False


def payment_heading(header: list[str]) -> str | None:
    """The file's payment-method column (支付方式 …), whatever the kind: no breakdown by payment is kept."""
    found = map_header([_plain(h.strip()) for h in header], {"payment": ALIASES["payment"]})
    return header[found["payment"]].strip() if "payment" in found else None


def missing(kind: str, positions: dict[str, int]) -> list[str]:
    absent = [key for key in REQUIRED[kind] if key not in positions]
    if kind == LINES and "price" not in positions and "amount" not in positions:
        absent.append("amount")
    return absent


def require_columns(kind: str, positions: dict[str, int]) -> None:
    absent = missing(kind, positions)
    if absent:
        raise DomainError(
            _("缺少必需的列：%(cols)s。请在列映射中指定。")
            % {"cols": "、".join(str(LABELS[k]) for k in absent)},
            code="mapping",
        )


def channel_code(text: str) -> str | None:
    return CHANNELS.get(text.strip().lower()) or CHANNELS.get(text.strip())


def header_score(cells: list[str], mappings: dict[str, dict[str, str]] | None = None) -> int:
    """How many canonical columns a row names, as a header (for the kind it fits best)."""
    mappings = mappings or {}
    return max(len(resolve(cells, kind, mappings.get(kind))) for kind in COLUMNS)


def detect_header_row(rows: list[list[str]], mappings: dict[str, dict[str, str]] | None = None) -> int:
    """The row (1-based) among the first ones that looks most like a header: a title line above it (common
    in Chinese POS exports) names no column."""
    best, best_score = 1, 0
    for number, cells in enumerate(rows, start=1):
        score = header_score([str(c).strip() if c is not None else "" for c in cells], mappings)
        if score > best_score:
            best, best_score = number, score
    return best
