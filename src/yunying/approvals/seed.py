"""Shipped defaults of the service and people processes (idempotent, called by
``yunying.seed.services.seed_defaults``): the forms, authority tiers, settings, positions and diagrams of
顾客投诉 (``customer_complaint``), 配送事故反馈 (``delivery_incident``), 活动经费 (``activity_funds``),
管理部与培训部配合 (``training_request``), 试用期转正 (``probation_review``) and 招聘录用 (``recruitment``).

Everything here is data an administrator edits afterwards (form designer, authority matrix, process
designer, settings); a form, tier set, setting or process that already exists is left as it is.

The form fields other pages read from a request's data (the service desk, the weekly summaries) are
listed in ``docs/approvals.md`` ("Shipped service processes")."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction

from yunying.core.models import Setting
from yunying.org.models import Position, UnitKind

PROCESSES = Path(__file__).parent / "processes"

SETTINGS: dict[str, tuple[Any, str]] = {
    "approvals.probation_notice_working_days": (5, "试用期满前多少个工作日由系统发起试用期转正"),
    "approvals.probation_days": (90, "招聘录用的新员工试用期天数"),
    "approvals.store_standard_headcount": (
        {
            "STORE-MGR": 1,
            "FOH-LEAD": 1,
            "KITCHEN-LEAD": 1,
            "EXPEDITOR": 2,
            "CASHIER": 1,
            "WAITER": 4,
            "DELIVERY": 1,
        },
        "门店各标准岗位的编制人数（岗位设了每单位人数上限时以上限为准）",
    ),
    "approvals.complaint_contact_positions": (
        "",
        "除投诉的记录人和办理人外，还可查看顾客联系方式的岗位编码（逗号分隔）",
    ),
}

# code, name, name_en, unit kind, superior
POSITIONS = [
    ("DC-DISPATCH", "配送调度", "Delivery dispatcher", UnitKind.DEPARTMENT, "GM"),
    ("TRAIN-HEAD", "培训部主管", "Head of training", UnitKind.DEPARTMENT, "GM"),
]

# (name, min, min inclusive, max, max inclusive, approver)
TIERS: dict[str, list[tuple[str, Decimal | None, bool, Decimal | None, bool, str]]] = {
    "activity": [
        ("低于 1000 元：管理部终审", None, True, Decimal(1000), False, "position:MGMT-HEAD"),
        ("1000–5000 元：运营经理审批", Decimal(1000), True, Decimal(5000), True, "position:OPS-MGR"),
        ("高于 5000 元：总经理审批", Decimal(5000), False, None, False, "position:GM"),
    ],
}


def _choices(*pairs: tuple[str, str, str]) -> list[dict[str, str]]:
    return [{"value": v, "label_zh": zh, "label_en": en} for v, zh, en in pairs]


_STORE = {"key": "store", "type": "store", "label_zh": "门店", "label_en": "Store", "required": True}
_PHOTOS = {"key": "photos", "type": "photo", "label_zh": "照片", "label_en": "Photos", "max_files": 6}

COMPLAINT_CHANNELS = _choices(
    ("hotline", "客服热线", "Customer hotline"),
    ("in_store", "到店", "In the store"),
    ("review_site", "点评网站", "Review site"),
    ("delivery_app", "外卖平台", "Delivery app"),
    ("regulator", "12315 / 市场监管", "Regulator (12315)"),
    ("other", "其他", "Other"),
)
COMPLAINT_CATEGORIES = _choices(
    ("food", "菜品质量", "Food quality"),
    ("foreign_object", "异物", "Foreign object"),
    ("service", "服务态度", "Service"),
    ("waiting", "等候时间", "Waiting time"),
    ("hygiene", "卫生", "Hygiene"),
    ("billing", "收费", "Billing"),
    ("other", "其他", "Other"),
)
SEVERITIES = _choices(
    ("normal", "一般", "Normal"),
    ("serious", "较重", "Serious"),
    ("critical", "严重", "Critical"),
)
DELIVERY_CAUSES = _choices(
    ("late", "迟到", "Late"),
    ("short", "短少", "Short"),
    ("damaged", "破损", "Damaged"),
    ("wrong", "错发", "Wrong goods"),
    ("quality", "质量问题", "Quality"),
    ("other", "其他", "Other"),
)
ACTIVITY_KINDS = _choices(
    ("promotion", "促销活动", "Promotion"),
    ("team", "文体活动", "Team activity"),
    ("holiday", "节日活动", "Holiday event"),
    ("other", "其他", "Other"),
)
TRAINING_TOPICS = _choices(
    ("service", "服务技能", "Service skills"),
    ("product", "产品知识", "Product knowledge"),
    ("kitchen", "厨房操作", "Kitchen practice"),
    ("safety", "食品安全", "Food safety"),
    ("management", "管理技能", "Management skills"),
    ("other", "其他", "Other"),
)

STORE_POSITIONS = _choices(
    ("STORE-MGR", "店长", "Store manager"),
    ("FOH-LEAD", "前厅主管", "Front-of-house lead"),
    ("KITCHEN-LEAD", "厨房主管", "Kitchen lead"),
    ("EXPEDITOR", "出品员", "Expeditor"),
    ("CASHIER", "收银员", "Cashier"),
    ("WAITER", "服务员", "Waiter"),
    ("DELIVERY", "外卖员", "Delivery rider"),
)

FORMS: list[dict[str, Any]] = [
    {
        "key": "probation_review", "name": "试用期转正", "name_en": "Probation review", "category": "人事",
        "description": "试用期满前由系统发起：店长评估，管理部审核；批准后员工状态随之变更。",
        "fields": [
            {"key": "store", "type": "store", "label_zh": "门店", "label_en": "Store"},
            {"key": "employee_no", "type": "text", "label_zh": "工号", "label_en": "Employee no.",
             "required": True, "max_length": 30},
            {"key": "employee_name", "type": "text", "label_zh": "姓名", "label_en": "Name", "required": True,
             "max_length": 50},
            {"key": "position", "type": "text", "label_zh": "岗位", "label_en": "Position", "max_length": 50},
            {"key": "hired_on", "type": "date", "label_zh": "入职日期", "label_en": "Hired on"},
            {"key": "probation_ends_on", "type": "date", "label_zh": "试用期满日期", "label_en": "Probation ends",
             "required": True},
        ],
    },
    {
        "key": "recruitment", "name": "招聘录用", "name_en": "Recruitment", "category": "人事",
        "description": "门店用人申请：核对编制与空缺，区域经理审核，确定候选人后录用审批；批准后自动建档并任职。",
        "fields": [
            _STORE,
            {"key": "position", "type": "choice", "label_zh": "岗位", "label_en": "Position", "required": True,
             "choices": STORE_POSITIONS},
            {"key": "reason", "type": "textarea", "label_zh": "用人理由", "label_en": "Why", "required": True,
             "max_length": 500},
            {"key": "wanted_by", "type": "date", "label_zh": "期望到岗日期", "label_en": "Wanted by"},
        ],
    },
    {
        "key": "customer_complaint", "name": "顾客投诉", "name_en": "Customer complaint", "category": "服务",
        "description": "顾客投诉：渠道、严重程度、经过与顾客联系方式；门店限时处理，区域经理审核，回访顾客后结案。",
        "fields": [
            _STORE,
            {"key": "channel", "type": "choice", "label_zh": "投诉渠道", "label_en": "Channel",
             "required": True, "choices": COMPLAINT_CHANNELS},
            {"key": "category", "type": "choice", "label_zh": "投诉类别", "label_en": "Category",
             "required": True, "choices": COMPLAINT_CATEGORIES},
            {"key": "severity", "type": "choice", "label_zh": "严重程度", "label_en": "Severity",
             "required": True, "choices": SEVERITIES, "default": "normal"},
            {"key": "occurred_at", "type": "datetime", "label_zh": "发生时间", "label_en": "When"},
            {"key": "description", "type": "textarea", "label_zh": "投诉经过", "label_en": "What happened",
             "required": True, "max_length": 1000},
            {"key": "customer_name", "type": "text", "label_zh": "顾客称呼", "label_en": "Customer",
             "max_length": 30},
            {"key": "customer_phone", "type": "text", "label_zh": "顾客电话", "label_en": "Customer phone",
             "required": True, "max_length": 20, "regex": r"^\+?[0-9][0-9 -]{5,18}$",
             "help_zh": "仅投诉的记录人和办理人可见", "help_en": "Shown only to the people handling it"},
            _PHOTOS,
        ],
    },
    {
        "key": "delivery_incident", "name": "配送事故反馈", "name_en": "Delivery incident",
        "category": "服务",
        "description": "配送中心送货迟到、短少、破损、错发：门店附证据反馈，配送中心答复，门店确认。",
        "fields": [
            _STORE,
            {"key": "delivery_date", "type": "date", "label_zh": "配送日期", "label_en": "Delivery date",
             "required": True},
            {"key": "delivery_no", "type": "text", "label_zh": "配送单号", "label_en": "Delivery note no.",
             "max_length": 40},
            {"key": "cause", "type": "choice", "label_zh": "事故类型", "label_en": "Cause", "required": True,
             "choices": DELIVERY_CAUSES},
            {"key": "late_minutes", "type": "number", "label_zh": "迟到（分钟）", "label_en": "Minutes late",
             "min": 1, "max": 1440, "visible_if": 'cause == "late"'},
            {
                "key": "items", "type": "table", "label_zh": "涉及货品", "label_en": "Goods concerned",
                "max_rows": 50,
                "columns": [
                    {"key": "name", "type": "text", "label_zh": "品名", "label_en": "Item", "required": True,
                     "max_length": 100},
                    {"key": "qty", "type": "number", "label_zh": "数量", "label_en": "Quantity",
                     "required": True, "min": 0.01, "max": 100000, "decimals": 2},
                    {"key": "unit", "type": "text", "label_zh": "单位", "label_en": "Unit", "max_length": 10},
                ],
            },
            {"key": "description", "type": "textarea", "label_zh": "情况说明", "label_en": "What happened",
             "required": True, "max_length": 1000},
            {**_PHOTOS, "label_zh": "证据照片", "label_en": "Evidence photos"},
        ],
    },
    {
        "key": "activity_funds", "name": "活动经费", "name_en": "Activity funds", "category": "行政",
        "description": "活动经费：预算明细按金额分级审批；活动后报告实际支出并与预算对比。",
        "fields": [
            _STORE,
            {"key": "activity", "type": "text", "label_zh": "活动名称", "label_en": "Activity",
             "required": True, "max_length": 100},
            {"key": "kind", "type": "choice", "label_zh": "活动类型", "label_en": "Kind", "required": True,
             "choices": ACTIVITY_KINDS},
            {"key": "event_date", "type": "date", "label_zh": "活动日期", "label_en": "Date", "required": True},
            {"key": "participants", "type": "number", "label_zh": "参加人数", "label_en": "Participants",
             "min": 1, "max": 10000},
            {
                "key": "budget", "type": "table", "label_zh": "预算明细", "label_en": "Budget lines",
                "required": True, "max_rows": 50,
                "columns": [
                    {"key": "item", "type": "text", "label_zh": "项目", "label_en": "Line", "required": True,
                     "max_length": 100},
                    {"key": "amount", "type": "money", "label_zh": "金额（元）", "label_en": "Amount (yuan)",
                     "required": True, "min": 0, "total": True},
                ],
            },
            {"key": "total", "type": "computed", "label_zh": "预算合计（元）", "label_en": "Budget total (yuan)",
             "expression": 'sum(col(budget, "amount"))', "result_type": "money"},
            {"key": "purpose", "type": "textarea", "label_zh": "目的与安排", "label_en": "Purpose and plan",
             "required": True, "max_length": 1000},
        ],
    },
    {
        "key": "training_request", "name": "管理部与培训部配合", "name_en": "Training request",
        "category": "人事",
        "description": "管理部向培训部提出培训需求，培训部安排并实施，完成后回报培训结果。",
        "fields": [
            {"key": "store", "type": "store", "label_zh": "受训门店", "label_en": "Store",
             "help_zh": "针对全体门店时可不填", "help_en": "Leave empty for every store"},
            {"key": "topic", "type": "choice", "label_zh": "培训主题", "label_en": "Topic", "required": True,
             "choices": TRAINING_TOPICS},
            {"key": "audience", "type": "text", "label_zh": "受训对象", "label_en": "Trainees",
             "required": True, "max_length": 100},
            {"key": "headcount", "type": "number", "label_zh": "人数", "label_en": "Headcount",
             "required": True, "min": 1, "max": 2000},
            {"key": "wanted_by", "type": "date", "label_zh": "期望完成日期", "label_en": "Wanted by",
             "required": True},
            {"key": "needs", "type": "textarea", "label_zh": "培训需求", "label_en": "Needs",
             "required": True, "max_length": 1000},
        ],
    },
]  # fmt: skip

# key, name, category, icon, description
PROCESS_FILES = [
    ("probation_review", "试用期转正", "人事", "user-check", "试用期满前系统发起，店长评估、管理部审核。"),
    ("recruitment", "招聘录用", "人事", "user-plus", "核对编制后招聘，录用审批通过后自动建档任职。"),
    (
        "customer_complaint",
        "顾客投诉",
        "服务",
        "message-report",
        "顾客投诉：门店限时处理，升级，回访顾客后结案。",
    ),
    (
        "delivery_incident",
        "配送事故反馈",
        "服务",
        "truck-delivery",
        "配送事故：门店反馈，配送中心答复，门店确认。",
    ),
    ("activity_funds", "活动经费", "行政", "confetti", "活动经费：预算按金额分级审批，活动后报告实际支出。"),
    (
        "training_request",
        "管理部与培训部配合",
        "人事",
        "school",
        "管理部提出培训需求，培训部实施并回报结果。",
    ),
]


def _seed_positions() -> int:
    made = 0
    for code, name, name_en, kind, superior in POSITIONS:
        position, created = Position.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "unit_kind": kind,
                "is_head": True,
                "sort_order": 900,
            },
        )
        if created:
            position.superior = Position.objects.filter(code=superior).first()
            position.save(update_fields=["superior"])
            made += 1
    return made


@transaction.atomic
def seed_approvals() -> dict[str, int]:
    from yunying.workflow.seed import seed_bundle

    for key, (value, description) in SETTINGS.items():
        Setting.objects.get_or_create(key=key, defaults={"value": value, "description": description})
    positions = _seed_positions()
    created = seed_bundle(
        prefix="approval", forms=FORMS, tiers=TIERS, processes=PROCESS_FILES, folder=PROCESSES
    )
    return {**created, "approval_positions": positions}
