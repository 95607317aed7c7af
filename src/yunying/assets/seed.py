"""Shipped defaults of the asset register (idempotent, called by ``yunying.seed.services.seed_defaults``):
the forms, authority tiers and diagrams of 固定资产申购 / 异动 / 报损 and 低值易耗品、厨房半成品报损.

Everything here is data an administrator edits afterwards (form designer, authority matrix, process
designer); a form, tier set or process that already exists is left as it is."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction

PROCESSES = Path(__file__).parent / "processes"

# (name, min, min inclusive, max, max inclusive, approver) — the DOMAIN tiers pattern, per category.
TIERS: dict[str, list[tuple[str, Decimal | None, bool, Decimal | None, bool, str]]] = {
    "asset": [
        ("低于 2000 元：管理部终审", None, True, Decimal(2000), False, "position:MGMT-HEAD"),
        ("2000–10000 元：运营经理审批", Decimal(2000), True, Decimal(10000), True, "position:OPS-MGR"),
        ("高于 10000 元：总经理审批", Decimal(10000), False, None, False, "position:GM"),
    ],
    "consumables": [
        ("低于 500 元：管理部终审", None, True, Decimal(500), False, "position:MGMT-HEAD"),
        ("500–2000 元：运营经理审批", Decimal(500), True, Decimal(2000), True, "position:OPS-MGR"),
        ("高于 2000 元：总经理审批", Decimal(2000), False, None, False, "position:GM"),
    ],
}

CATEGORY_CHOICES = [
    {"value": "kitchen", "label_zh": "厨房设备", "label_en": "Kitchen equipment"},
    {"value": "cold", "label_zh": "制冷设备", "label_en": "Refrigeration"},
    {"value": "furniture", "label_zh": "家具", "label_en": "Furniture"},
    {"value": "appliance", "label_zh": "电器", "label_en": "Appliances"},
    {"value": "it", "label_zh": "IT 设备", "label_en": "IT equipment"},
    {"value": "other", "label_zh": "其他", "label_en": "Other"},
]
_STORE = {"key": "store", "type": "store", "label_zh": "申请门店", "label_en": "Store", "required": True}
_REASON = {
    "key": "reason",
    "type": "textarea",
    "label_zh": "事由",
    "label_en": "Reason",
    "required": True,
    "max_length": 500,
}
_ASSET_CODE = {
    "key": "asset_code",
    "type": "text",
    "label_zh": "资产编码",
    "label_en": "Asset code",
    "required": True,
    "max_length": 40,
    "help_zh": "见固定资产档案",
    "help_en": "As in the asset register",
}
_PHOTOS = {
    "key": "photos",
    "type": "photo",
    "label_zh": "照片",
    "label_en": "Photos",
    "max_files": 5,
}

FORMS: list[dict[str, Any]] = [
    {
        "key": "asset_purchase", "name": "固定资产申购", "name_en": "Fixed asset purchase", "category": "资产",
        "description": "门店申购固定资产；批准后自动建档。",
        "fields": [
            _STORE,
            {"key": "asset_name", "type": "text", "label_zh": "资产名称", "label_en": "Asset",
             "required": True, "max_length": 100},
            {"key": "category", "type": "choice", "label_zh": "类别", "label_en": "Category", "required": True,
             "choices": CATEGORY_CHOICES},
            {"key": "location", "type": "text", "label_zh": "存放位置", "label_en": "Location",
             "max_length": 100},
            {"key": "amount", "type": "money", "label_zh": "金额（元）", "label_en": "Amount (yuan)",
             "required": True, "min": 0},
            _REASON,
            {"key": "attachments", "type": "attachment", "label_zh": "报价单", "label_en": "Quotations",
             "max_files": 5},
        ],
    },
    {
        "key": "asset_transfer", "name": "固定资产异动", "name_en": "Fixed asset transfer", "category": "资产",
        "description": "固定资产调往其他门店；批准后资产档案自动变更。",
        "fields": [
            _STORE,
            _ASSET_CODE,
            {"key": "to_store", "type": "text", "label_zh": "调入门店编码", "label_en": "To store (code)",
             "required": True, "max_length": 30},
            {"key": "to_location", "type": "text", "label_zh": "调入后存放位置", "label_en": "New location",
             "max_length": 100},
            _REASON,
        ],
    },
    {
        "key": "asset_writeoff", "name": "固定资产报损", "name_en": "Fixed asset write-off", "category": "资产",
        "description": "固定资产报损；批准后资产档案状态变为已报损。",
        "fields": [_STORE, _ASSET_CODE, _REASON, _PHOTOS],
    },
    {
        "key": "consumables_writeoff", "name": "低值易耗品、厨房半成品报损",
        "name_en": "Consumables and semi-finished goods write-off", "category": "资产",
        "description": "低值易耗品、厨房半成品报损：明细、数量、原因、照片；按金额分级审批。",
        "fields": [
            _STORE,
            {
                "key": "items", "type": "table", "label_zh": "报损明细", "label_en": "Items", "required": True,
                "max_rows": 100,
                "columns": [
                    {"key": "name", "type": "text", "label_zh": "品名", "label_en": "Item", "required": True,
                     "max_length": 100},
                    {"key": "kind", "type": "choice", "label_zh": "类型", "label_en": "Kind", "required": True,
                     "choices": [{"value": "consumable", "label_zh": "低值易耗品", "label_en": "Consumable"},
                                 {"value": "semi", "label_zh": "厨房半成品",
                                  "label_en": "Semi-finished goods"}]},
                    {"key": "qty", "type": "number", "label_zh": "数量", "label_en": "Quantity",
                     "required": True, "min": 0.01, "max": 100000, "decimals": 2},
                    {"key": "unit", "type": "text", "label_zh": "单位", "label_en": "Unit", "required": True,
                     "max_length": 10},
                    {"key": "price", "type": "money", "label_zh": "单价（元）", "label_en": "Unit price (yuan)",
                     "required": True, "min": 0},
                    {"key": "amount", "type": "computed", "label_zh": "金额（元）", "label_en": "Amount (yuan)",
                     "expression": "qty * price", "result_type": "money", "total": True},
                ],
            },
            {"key": "total", "type": "computed", "label_zh": "合计金额（元）", "label_en": "Total (yuan)",
             "expression": 'sumproduct(items, "qty", "price")', "result_type": "money"},
            _REASON,
            _PHOTOS,
        ],
    },
]  # fmt: skip

# key, name, category, icon, file, description
PROCESS_FILES = [
    ("asset_purchase", "固定资产申购", "资产", "building-warehouse", "门店申购固定资产，批准后自动建档。"),
    (
        "asset_transfer",
        "固定资产异动",
        "资产",
        "arrows-exchange",
        "固定资产调往其他门店，批准后档案自动变更。",
    ),
    ("asset_writeoff", "固定资产报损", "资产", "trash", "固定资产报损，批准后档案状态变为已报损。"),
    (
        "consumables_writeoff",
        "低值易耗品、厨房半成品报损",
        "资产",
        "package-off",
        "低值易耗品、厨房半成品报损，按金额分级审批。",
    ),
]


@transaction.atomic
def seed_assets() -> dict[str, int]:
    from yunying.workflow.seed import seed_bundle

    return seed_bundle(prefix="asset", forms=FORMS, tiers=TIERS, processes=PROCESS_FILES, folder=PROCESSES)
