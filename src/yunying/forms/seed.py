"""Shipped defaults of the forms app: who may design forms, and the 物料申购 form (published).

`seed_forms()` is idempotent and called by `yunying.seed.services.seed_defaults`; a form administrators
have changed is left as it is."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Permission
from django.db import transaction

from yunying.forms.models import FormDefinition
from yunying.forms.services import form_definition_create, form_version_publish
from yunying.org.models import Position

DESIGNER_POSITIONS = ("MGMT-HEAD", "OPS-MGR")
UNITS = ["个", "箱", "袋", "瓶", "桶", "千克", "件"]

MATERIAL_PURCHASE: dict[str, Any] = {
    "key": "material_purchase",
    "name": "物料申购",
    "name_en": "Material purchase request",
    "category": "采购",
    "description": "门店申请采购物料；金额由明细自动合计。",
    "fields": [
        {"key": "store", "type": "store", "label_zh": "申购门店", "label_en": "Store", "required": True},
        {
            "key": "reason", "type": "textarea", "label_zh": "申购事由", "label_en": "Reason",
            "required": True, "max_length": 500, "help_zh": "说明用途和紧急程度",
            "help_en": "What the materials are for and how urgent",
        },
        {
            "key": "items", "type": "table", "label_zh": "物料明细", "label_en": "Items", "required": True,
            "max_rows": 100,
            "columns": [
                {"key": "name", "type": "text", "label_zh": "物料名称", "label_en": "Item", "required": True,
                 "max_length": 100},
                {"key": "qty", "type": "number", "label_zh": "数量", "label_en": "Quantity", "required": True,
                 "min": 1, "max": 100000, "total": True},
                {"key": "unit", "type": "choice", "label_zh": "单位", "label_en": "Unit", "required": True,
                 "choices": [{"value": u, "label_zh": u} for u in UNITS]},
                {"key": "price", "type": "money", "label_zh": "单价（元）", "label_en": "Unit price (yuan)",
                 "required": True, "min": 0},
                {"key": "amount", "type": "computed", "label_zh": "金额（元）", "label_en": "Amount (yuan)",
                 "expression": "qty * price", "result_type": "money", "total": True},
            ],
        },
        {
            "key": "total", "type": "computed", "label_zh": "合计金额（元）", "label_en": "Total (yuan)",
            "expression": 'sumproduct(items, "qty", "price")', "result_type": "money",
        },
        {
            "key": "attachments", "type": "attachment", "label_zh": "附件", "label_en": "Attachments",
            "help_zh": "报价单、照片等", "help_en": "Quotations, photos…", "max_files": 5,
        },
    ],
}  # fmt: skip

DEFAULT_FORMS = [MATERIAL_PURCHASE]


@transaction.atomic
def seed_forms() -> dict[str, int]:
    created = {"forms": 0}
    for spec in DEFAULT_FORMS:
        if FormDefinition.objects.filter(key=spec["key"]).exists():
            continue
        definition = form_definition_create(actor=None, **spec)
        form_version_publish(actor=None, definition=definition)
        created["forms"] += 1
    if created["forms"]:
        # First run: grant the design permission to the shipped positions (later edits are the admin's).
        permission = Permission.objects.get(content_type__app_label="yyforms", codename="design_form")
        for position in Position.objects.filter(code__in=DESIGNER_POSITIONS):
            position.permissions.add(permission)
    return created
