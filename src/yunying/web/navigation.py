"""The navigation a user sees, decided by what they may see and do (scope and permissions)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yunying.org.scope import scope_for


@dataclass(frozen=True)
class NavItem:
    label: Any
    url: str
    icon: str
    key: str
    badge: int | None = None
    section: str = ""


@dataclass(frozen=True)
class NavSection:
    title: Any
    items: list[NavItem]


# Sections of the sidebar, in order; an item names its section by key.
SECTIONS: list[tuple[str, Any]] = [
    ("", ""),
    ("inspections", _("督导巡店")),
    ("duties", _("运营日历")),
    ("org", _("组织")),
    ("performance", _("业绩")),
    ("admin", _("管理")),
]


def sections_for(user: Any) -> list[NavSection]:
    items = navigation_for(user)
    sections = [NavSection(title, [i for i in items if i.section == key]) for key, title in SECTIONS]
    return [section for section in sections if section.items]


def navigation_for(user: Any) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    scope = scope_for(user)
    items = [NavItem(_("首页"), reverse("home"), "home", "home")]
    from yunying.duties.selectors import inbox_count

    duties_waiting = inbox_count(user)
    items.extend(_workflow_items(user))
    items.extend(_inspection_items(user, scope.everything or bool(scope.unit_ids)))
    items.extend(_duty_items(scope.everything or bool(scope.unit_ids), duties_waiting))
    items.append(NavItem(_("组织架构"), reverse("org:chart"), "sitemap", "chart", section="org"))
    if scope.everything or scope.unit_ids:
        items.append(
            NavItem(
                pgettext_lazy("plural", "门店"),
                reverse("org:stores"),
                "building-store",
                "stores",
                section="org",
            )
        )
        items.append(NavItem(_("人员"), reverse("org:people"), "users", "people", section="org"))
    if scope.everything:
        items.append(
            NavItem(pgettext_lazy("plural", "区域"), reverse("org:regions"), "map", "regions", section="org")
        )
    items.append(
        NavItem(
            pgettext_lazy("plural", "岗位"), reverse("org:positions"), "id-badge", "positions", section="org"
        )
    )
    if user.has_perm("org.add_store") or user.has_perm("org.add_employee"):
        items.append(
            NavItem(_("导入导出"), reverse("org:import"), "file-spreadsheet", "import", section="org")
        )
    if scope.everything or scope.unit_ids:
        items.append(
            NavItem(_("固定资产"), reverse("assets:list"), "building-warehouse", "assets", section="org")
        )
        items.append(
            NavItem(
                _("业绩分析"), reverse("analytics:monthly"), "chart-bar", "analytics", section="performance"
            )
        )
    if user.has_perm("purchasing.handle_purchaseorder") or scope.everything or scope.unit_ids:
        items.append(
            NavItem(
                _("采购单"), reverse("purchasing:list"), "shopping-cart", "purchase-orders", section="org"
            )
        )
    if user.has_perm("yyforms.design_form"):
        items.append(NavItem(_("表单设计"), reverse("yyforms:list"), "forms", "forms", section="admin"))
    if user.is_superuser or user.has_perm("notifications.change_robot"):
        items.append(
            NavItem(_("群机器人"), reverse("notifications:robots"), "robot", "robots", section="admin")
        )
    if user.has_perm("core.change_calendaroverride"):
        items.append(NavItem(_("营业日历"), reverse("calendar"), "calendar", "calendar", section="admin"))
    if user.is_staff:
        items.append(NavItem(_("系统管理"), reverse("admin:index"), "settings", "admin", section="admin"))
    return items


def _workflow_items(user: Any) -> list[NavItem]:
    from yunying.workflow.inbox import todo_count
    from yunying.workflow.monitor import can_monitor

    waiting = todo_count(user)  # inbox cards of every kind: approvals, duties, rectifications
    items = [
        NavItem(_("流程信箱"), reverse("workflow:inbox"), "inbox", "wf-inbox", waiting or None),
        NavItem(_("审批中心"), reverse("workflow:definitions"), "send", "wf-start"),
        NavItem(_("服务台"), reverse("servicedesk:desk"), "lifebuoy", "servicedesk"),
    ]
    if can_monitor(user):
        items.append(
            NavItem(_("流程监控"), reverse("workflow:monitor"), "activity", "wf-monitor", section="admin")
        )
    if user.has_perm("workflow.deploy_process") or user.has_perm("workflow.add_processdefinition"):
        items.append(
            NavItem(
                _("流程设计"), reverse("workflow:designer-list"), "git-branch", "designer", section="admin"
            )
        )
    return items


def _duty_items(sees_units: bool, waiting: int) -> list[NavItem]:
    items = [
        NavItem(_("我的职责"), reverse("duties:mine"), "checklist", "duties-mine", waiting or None, "duties")
    ]
    if sees_units:
        items.append(
            NavItem(_("完成情况"), reverse("duties:board"), "chart-dots", "duties-board", section="duties")
        )
        items.append(
            NavItem(
                _("人员考评"), reverse("duties:reviews"), "user-check", "duties-reviews", section="duties"
            )
        )
    items.append(
        NavItem(
            _("运营日历"), reverse("duties:calendar"), "calendar-event", "duties-calendar", section="duties"
        )
    )
    return items


def _inspection_items(user: Any, sees_stores: bool) -> list[NavItem]:
    if not sees_stores:
        return []
    return [
        NavItem(
            _("巡店记录"),
            reverse("inspections:visits"),
            "clipboard-check",
            "insp-visits",
            section="inspections",
        ),
        *(
            [
                NavItem(
                    _("巡店计划"),
                    reverse("inspections:plan"),
                    "calendar-event",
                    "insp-plan",
                    section="inspections",
                )
            ]
            if user.has_perm("inspections.conduct_visit")
            else []
        ),
        NavItem(_("门店日常"), reverse("storeday:board"), "checklist", "storeday", section="inspections"),
        NavItem(_("整改项"), reverse("inspections:findings"), "tool", "insp-findings", section="inspections"),
        NavItem(
            _("质量评估"), reverse("inspections:quality"), "award", "insp-quality", section="inspections"
        ),
        NavItem(
            _("巡店看板"),
            reverse("inspections:dashboard"),
            "chart-line",
            "insp-dashboard",
            section="inspections",
        ),
        NavItem(
            _("检查表"),
            reverse("inspections:templates"),
            "list-check",
            "insp-templates",
            section="inspections",
        ),
    ]
