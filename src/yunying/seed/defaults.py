"""The shipped defaults (DOMAIN.md): loaded into the database by `yunying seed`, editable afterwards."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# key: (value, description)
SETTINGS: dict[str, tuple[Any, str]] = {
    "org.region_min_stores": (4, "组建区域所需的同一地区最少门店数"),
    "org.region_assistant_min_stores": (5, "区域可设区域经理助理的最少门店数"),
    "org.management_department_code": ("D-MGMT", "运营管理部的单位编码；无区域的门店由其直接管理"),
    "inspections.finding_days": (3, "巡店整改项的整改期限（门店工作日）"),
    "inspections.finding_days_critical": (1, "红线项整改期限（门店工作日）"),
    "inspections.finding_remind_days": (1, "整改期限前几个工作日提醒负责人（0 为不提醒）"),
    "inspections.checkin_radius_m": (300, "巡店定位签到：距门店坐标超过此距离（米）则标记"),
    "inspections.calibration_threshold": (
        8,
        "评分校准：检查人与同店同月其他检查人平均分相差超过此分数则标记",
    ),
    "inspections.calibration_min_visits": (3, "评分校准：至少有此数量可比巡店才标记"),
    "inspections.calibration_months": (3, "评分校准：统计最近几个月（含所看月份）"),
    "inspections.signatures_required": (
        False,
        "巡店提交时必须有店长和检查人双方签字（关闭时签字可选）",
    ),
    "inspections.visits_per_period": (1, "每家门店每半月（公报期间）至少巡店次数，巡店计划按此排期"),
    "quality.weight_inspection": (70, "月度运营质量评估：巡店得分的权重"),
    "quality.weight_sales": (30, "月度运营质量评估：销售目标达成的权重"),
    "quality.overdue_penalty": (2, "月度运营质量评估：每个超期未整改项扣分"),
    "quality.complaint_penalty": (3, "月度运营质量评估：每起顾客投诉扣分"),
    "quality.incident_penalty": (2, "月度运营质量评估：每起配送事故扣分"),
    "quality.pass_mark": (80, "月度运营质量评估：合格分"),
    "quality.key_list_days": (10, "列入重点整改的门店的整改期限（工作日）"),
    "notifications.robot_digest_seconds": (
        60,
        "群机器人合并窗口（秒）：机器人发出一条消息后，此时间内到达的新事件合并为一条汇总消息，"
        "窗口结束后发送；0 表示不合并（0–3600）",
    ),
}

_ORG_MANAGE = (
    "org.add_store",
    "org.change_store",
    "org.view_store",
    "org.add_orgunit",
    "org.change_orgunit",
    "org.delete_orgunit",
    "org.view_orgunit",
    "org.add_employee",
    "org.change_employee",
    "org.view_employee",
    "org.add_appointment",
    "org.change_appointment",
    "org.view_appointment",
)
_AREA_MANAGE = ("org.add_employee", "org.add_appointment", "org.change_appointment", "org.change_employee")
_SALES_IMPORT = ("analytics.add_salesimport",)
_CALENDAR_MANAGE = (
    "core.add_calendaroverride",
    "core.change_calendaroverride",
    "core.delete_calendaroverride",
    "core.add_workinghours",
    "core.change_workinghours",
)
_ASSETS_MANAGE = ("assets.add_asset", "assets.change_asset", "assets.view_asset")
_TARGETS_MANAGE = ("analytics.add_storetarget", "analytics.change_storetarget", *_SALES_IMPORT)
_INSPECT = ("inspections.conduct_visit",)
_QUALITY = ("inspections.add_qualityevaluation",)
_CHECKLISTS = ("inspections.add_templateversion", "inspections.change_storelocation")


@dataclass(frozen=True)
class PositionSeed:
    code: str
    name: str
    name_en: str
    unit_kind: str
    superior: str | None = None
    is_head: bool = False
    is_store_standard: bool = False
    max_per_unit: int | None = None
    min_stores_setting: str = ""
    sees_everything: bool = False
    permissions: tuple[str, ...] = ()


POSITIONS: list[PositionSeed] = [
    PositionSeed(
        "GM",
        "总经理",
        "General manager",
        "company",
        None,
        True,
        max_per_unit=1,
        sees_everything=True,
        permissions=(*_ORG_MANAGE, *_QUALITY),
    ),
    PositionSeed(
        "OPS-MGR",
        "运营经理",
        "Operations manager",
        "center",
        "GM",
        True,
        max_per_unit=1,
        sees_everything=True,
        permissions=(*_ORG_MANAGE, *_TARGETS_MANAGE, *_CALENDAR_MANAGE, *_ASSETS_MANAGE, *_QUALITY),
    ),
    PositionSeed(
        "MKT-HEAD", "营销部经理", "Head of marketing", "department", "OPS-MGR", True, max_per_unit=1
    ),
    PositionSeed(
        "MGMT-HEAD",
        "管理部主任",
        "Head of management department",
        "department",
        "OPS-MGR",
        True,
        max_per_unit=1,
        sees_everything=True,
        permissions=(
            *_ORG_MANAGE,
            *_SALES_IMPORT,
            *_INSPECT,
            *_CALENDAR_MANAGE,
            *_ASSETS_MANAGE,
            *_QUALITY,
            *_CHECKLISTS,
        ),
    ),
    PositionSeed(
        "SUPERVISOR",
        "督导专员",
        "Supervisor",
        "department",
        "MGMT-HEAD",
        sees_everything=True,
        permissions=_INSPECT,
    ),
    PositionSeed(
        "AREA-MGR",
        "区域经理",
        "Area manager",
        "region",
        "MGMT-HEAD",
        True,
        max_per_unit=1,
        permissions=(*_AREA_MANAGE, *_INSPECT),
    ),
    PositionSeed(
        "AREA-ASST",
        "区域经理助理",
        "Assistant area manager",
        "region",
        "AREA-MGR",
        max_per_unit=1,
        min_stores_setting="org.region_assistant_min_stores",
        permissions=_INSPECT,
    ),
    PositionSeed(
        "STORE-MGR",
        "店长",
        "Store manager",
        "store",
        "AREA-MGR",
        True,
        True,
        max_per_unit=1,
        permissions=("org.change_appointment", "inspections.answer_finding"),
    ),
    PositionSeed(
        "PURCHASER",
        "采购专员",
        "Purchaser",
        "department",
        "OPS-MGR",
        permissions=("purchasing.handle_purchaseorder", "purchasing.view_purchaseorder"),
    ),
    PositionSeed("FOH-LEAD", "前厅主管", "Front-of-house lead", "store", "STORE-MGR", is_store_standard=True),
    PositionSeed("KITCHEN-LEAD", "厨房主管", "Kitchen lead", "store", "STORE-MGR", is_store_standard=True),
    PositionSeed("EXPEDITOR", "出品员", "Expeditor", "store", "KITCHEN-LEAD", is_store_standard=True),
    PositionSeed("CASHIER", "收银员", "Cashier", "store", "FOH-LEAD", is_store_standard=True),
    PositionSeed("WAITER", "服务员", "Waiter", "store", "FOH-LEAD", is_store_standard=True),
    PositionSeed("DELIVERY", "外卖员", "Delivery rider", "store", "FOH-LEAD", is_store_standard=True),
]
