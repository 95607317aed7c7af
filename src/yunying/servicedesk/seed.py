"""Shipped defaults of the service desk (idempotent, called by ``yunying.seed.services.seed_defaults``
before the workflow's processes are deployed): the 总务维修 position that takes repair jobs and the
日常维修 form (equipment from the asset register, urgency, photos, estimated cost).

A form that already exists is left as it is (the form designer owns it afterwards)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from yunying.forms.models import FormDefinition
from yunying.forms.services import form_definition_create, form_version_publish
from yunying.org.models import Position, UnitKind

MAINT_POSITION = "MAINT-TECH"

URGENCY_CHOICES = [
    {"value": "normal", "label_zh": "一般", "label_en": "Normal"},
    {"value": "urgent", "label_zh": "紧急", "label_en": "Urgent"},
    {"value": "critical", "label_zh": "特急", "label_en": "Critical"},
]

CAUSE_CHOICES = [
    {"value": "kitchen", "label_zh": "厨房设备", "label_en": "Kitchen equipment"},
    {"value": "cold", "label_zh": "制冷设备", "label_en": "Refrigeration"},
    {"value": "power", "label_zh": "水电燃气", "label_en": "Water, power, gas"},
    {"value": "building", "label_zh": "门窗装修", "label_en": "Doors, windows, fittings"},
    {"value": "it", "label_zh": "IT 设备", "label_en": "IT equipment"},
    {"value": "other", "label_zh": "其他", "label_en": "Other"},
]

REPAIR_FORM: dict[str, Any] = {
    "key": "repair", "name": "日常维修", "name_en": "Repair request", "category": "行政",
    "description": "门店报修：从本店固定资产中选择设备，写明故障和紧急程度，附照片。",
    "fields": [
        {"key": "store", "type": "store", "label_zh": "门店", "label_en": "Store", "required": True},
        {"key": "asset_code", "type": "text", "label_zh": "资产编码", "label_en": "Asset code",
         "max_length": 40, "help_zh": "从本店固定资产中选择；不在档案中的设备可留空",
         "help_en": "Pick from the store's asset register; leave blank for equipment not in it"},
        {"key": "equipment", "type": "text", "label_zh": "维修设备", "label_en": "Equipment",
         "max_length": 100, "help_zh": "选了资产时自动填写", "help_en": "Filled in from the asset"},
        {"key": "cause", "type": "choice", "label_zh": "故障类别", "label_en": "Cause", "required": True,
         "choices": CAUSE_CHOICES},
        {"key": "item", "type": "text", "label_zh": "维修项目", "label_en": "What to repair", "required": True,
         "max_length": 100},
        {"key": "urgency", "type": "choice", "label_zh": "紧急程度", "label_en": "Urgency", "required": True,
         "choices": URGENCY_CHOICES, "default": "normal"},
        {"key": "reason", "type": "textarea", "label_zh": "故障描述", "label_en": "What is wrong",
         "required": True, "max_length": 500},
        {"key": "photos", "type": "photo", "label_zh": "故障照片", "label_en": "Photos", "max_files": 5},
        {"key": "amount", "type": "money", "label_zh": "预计费用（元）", "label_en": "Estimated cost (yuan)",
         "required": True, "min": 0},
    ],
}  # fmt: skip


@transaction.atomic
def seed_servicedesk() -> dict[str, int]:
    created = {"servicedesk_positions": 0, "servicedesk_forms": 0}
    superior = Position.objects.filter(code="OPS-MGR").first()
    _position, was_created = Position.objects.get_or_create(
        code=MAINT_POSITION,
        defaults={
            "name": "维修专员",
            "name_en": "Maintenance technician",
            "unit_kind": UnitKind.DEPARTMENT,
            "superior": superior,
            "duties": "总务维修：接收门店报修，派工维修，登记费用。",
            "sort_order": 900,
        },
    )
    created["servicedesk_positions"] += int(was_created)
    if not FormDefinition.objects.filter(key=REPAIR_FORM["key"]).exists():
        definition = form_definition_create(actor=None, **REPAIR_FORM)
        form_version_publish(actor=None, definition=definition)
        created["servicedesk_forms"] += 1
    return created
