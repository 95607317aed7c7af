"""The canonical columns of a sales file, the Chinese headings POS exports use for them, and how a file's
header is matched to them (a source's saved mapping first, then the known headings)."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yunying.core.errors import DomainError
from yunying.core.tabular import map_header

PRODUCT = "product"
STORE = "store"

COLUMNS: dict[str, tuple[str, ...]] = {
    PRODUCT: ("store_code", "date", "product_code", "qty", "amount", "product_name", "category"),
    STORE: ("store_code", "date", "net_sales", "tickets", "customers", "channel", "discounts"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    PRODUCT: ("store_code", "date", "product_code", "qty", "amount"),
    STORE: ("store_code", "date", "net_sales", "tickets"),
}
KIND_LABELS = {PRODUCT: gettext_lazy("商品日销售"), STORE: gettext_lazy("门店日销售")}

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
}

# Headings seen in POS exports, matched without asking (a saved mapping overrides them).
ALIASES: dict[str, tuple[str, ...]] = {
    "store_code": ("门店编码", "门店编号", "门店代码", "店号", "分店编码"),
    "date": ("日期", "营业日期", "销售日期", "业务日期"),
    "product_code": ("商品编码", "商品编号", "菜品编码", "菜品编号", "品项编码"),
    "product_name": ("商品名称", "菜品名称", "品项名称"),
    "category": ("商品类别", "菜品类别", "类别"),
    "qty": ("数量", "销售数量", "销量", "销售份数", "份数"),
    "amount": ("金额", "销售金额", "实收金额"),
    "net_sales": ("净销售额", "营业额", "销售额", "实收"),
    "tickets": ("单数", "账单数", "订单数", "交易笔数"),
    "customers": ("客数", "来客数", "客流"),
    "channel": ("渠道", "销售渠道"),
    "discounts": ("折扣额", "折扣", "优惠金额"),
}

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
    positions.update(map_header([_plain(h) for h in stripped], rest))
    return positions


def _plain(heading: str) -> str:
    """'实收金额(元)' → '实收金额': units in brackets do not change what a column is."""
    return re.sub(r"[(（\[【].*?[)）\]】]", "", heading).replace(" ", "").strip() or heading


def detect_kind(header: list[str], mappings: dict[str, dict[str, str]] | None = None) -> str | None:
    mappings = mappings or {}
    if "product_code" in resolve(header, PRODUCT, mappings.get(PRODUCT)):
        return PRODUCT
    if "net_sales" in resolve(header, STORE, mappings.get(STORE)):
        return STORE
    return None


def missing(kind: str, positions: dict[str, int]) -> list[str]:
    return [key for key in REQUIRED[kind] if key not in positions]


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
