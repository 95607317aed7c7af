"""The shipped defaults (DOMAIN.md): loaded into the database by `yunying seed`, editable afterwards."""

from __future__ import annotations

from typing import Any

# key: (value, description)
SETTINGS: dict[str, tuple[Any, str]] = {
    "org.region_min_stores": (4, "组建区域所需的同一地区最少门店数"),
    "org.region_assistant_min_stores": (5, "区域可设区域经理助理的最少门店数"),
    "org.management_department_code": ("D-MGMT", "运营管理部的单位编码；无区域的门店由其直接管理"),
    "org.default_time_zone": ("Asia/Shanghai", "门店默认时区"),
}

_ORG_MANAGE = [
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
]
_AREA_MANAGE = ["org.add_employee", "org.add_appointment", "org.change_appointment", "org.change_employee"]

# code, name, English name, unit kind, superior code, is head, store standard, max per unit,
# min-stores setting, permissions
POSITIONS: list[tuple[str, str, str, str, str | None, bool, bool, int | None, str, list[str]]] = [
    ("GM", "总经理", "General manager", "company", None, True, False, 1, "", _ORG_MANAGE),
    ("OPS-MGR", "运营经理", "Operations manager", "center", "GM", True, False, 1, "", _ORG_MANAGE),
    ("MKT-HEAD", "营销部经理", "Head of marketing", "department", "OPS-MGR", True, False, 1, "", []),
    (
        "MGMT-HEAD",
        "管理部主任",
        "Head of management department",
        "department",
        "OPS-MGR",
        True,
        False,
        1,
        "",
        _ORG_MANAGE,
    ),
    ("SUPERVISOR", "督导专员", "Supervisor", "department", "MGMT-HEAD", False, False, None, "", []),
    ("AREA-MGR", "区域经理", "Area manager", "region", "MGMT-HEAD", True, False, 1, "", _AREA_MANAGE),
    (
        "AREA-ASST",
        "区域经理助理",
        "Assistant area manager",
        "region",
        "AREA-MGR",
        False,
        False,
        1,
        "org.region_assistant_min_stores",
        [],
    ),
    (
        "STORE-MGR",
        "店长",
        "Store manager",
        "store",
        "AREA-MGR",
        True,
        True,
        1,
        "",
        ["org.change_appointment"],
    ),
    ("FOH-LEAD", "前厅主管", "Front-of-house lead", "store", "STORE-MGR", False, True, None, "", []),
    ("KITCHEN-LEAD", "厨房主管", "Kitchen lead", "store", "STORE-MGR", False, True, None, "", []),
    ("EXPEDITOR", "出品员", "Expeditor", "store", "KITCHEN-LEAD", False, True, None, "", []),
    ("CASHIER", "收银员", "Cashier", "store", "FOH-LEAD", False, True, None, "", []),
    ("WAITER", "服务员", "Waiter", "store", "FOH-LEAD", False, True, None, "", []),
    ("DELIVERY", "外卖员", "Delivery rider", "store", "FOH-LEAD", False, True, None, "", []),
]
