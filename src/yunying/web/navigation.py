"""The navigation a user sees, decided by what they may see and do (scope and permissions).

The entries depend only on a few facts about the user (:class:`Viewer`), so they are built — their URLs
reversed — once per process for each set of facts and language; a request adds its badge counts."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Any

from django.urls import get_script_prefix, reverse
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _


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

# The permissions that show an entry (a superuser holds them all).
PERMISSIONS = (
    "org.add_store",
    "org.add_employee",
    "purchasing.handle_purchaseorder",
    "yyforms.design_form",
    "notifications.change_robot",
    "core.change_calendaroverride",
    "workflow.deploy_process",
    "workflow.add_processdefinition",
    "inspections.conduct_visit",
)


@dataclass(frozen=True)
class Viewer:
    """Everything the entries depend on: users alike in these see the same navigation."""

    sees_all: bool
    sees_units: bool
    monitors: bool
    staff: bool
    perms: frozenset[str]

    def may(self, perm: str) -> bool:
        return perm in self.perms


def viewer_of(user: Any) -> Viewer:
    from yunying.workflow.hotcache import scope_memoised
    from yunying.workflow.monitor import can_monitor

    scope = scope_memoised(user)
    return Viewer(
        sees_all=scope.everything,
        sees_units=scope.everything or bool(scope.unit_ids),
        monitors=can_monitor(user),
        staff=bool(user.is_staff),
        perms=frozenset(perm for perm in PERMISSIONS if user.has_perm(perm)),
    )


_BUILT: dict[tuple[Viewer, str, str], list[NavSection]] = {}
_LOCK = threading.Lock()


def sections_for(user: Any) -> list[NavSection]:
    if not user.is_authenticated:
        return []
    key = (viewer_of(user), get_language(), get_script_prefix())
    with _LOCK:
        built = _BUILT.get(key)
    if built is None:
        items = _items(key[0])
        built = [NavSection(title, [i for i in items if i.section == k]) for k, title in SECTIONS]
        built = [section for section in built if section.items]
        with _LOCK:
            if len(_BUILT) > 1000:
                _BUILT.clear()
            _BUILT[key] = built
    from yunying.web.selectors import badge_counts

    counts = badge_counts(user)
    # inbox cards of every kind (approvals, duties, rectifications); the duties among them
    badges = {"wf-inbox": counts["todo"] or None, "duties-mine": counts["duties"] or None}
    return [
        NavSection(s.title, [replace(i, badge=badges[i.key]) if i.key in badges else i for i in s.items])
        for s in built
    ]


def navigation_for(user: Any) -> list[NavItem]:
    return [item for section in sections_for(user) for item in section.items]


def _items(viewer: Viewer) -> list[NavItem]:
    items = [NavItem(_("首页"), reverse("home"), "home", "home")]
    items.extend(_workflow_items(viewer))
    items.extend(_inspection_items(viewer))
    items.extend(_duty_items(viewer.sees_units))
    items.append(NavItem(_("组织架构"), reverse("org:chart"), "sitemap", "chart", section="org"))
    if viewer.sees_units:
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
    if viewer.sees_all:
        items.append(
            NavItem(pgettext_lazy("plural", "区域"), reverse("org:regions"), "map", "regions", section="org")
        )
    items.append(
        NavItem(
            pgettext_lazy("plural", "岗位"), reverse("org:positions"), "id-badge", "positions", section="org"
        )
    )
    if viewer.may("org.add_store") or viewer.may("org.add_employee"):
        items.append(
            NavItem(_("导入导出"), reverse("org:import"), "file-spreadsheet", "import", section="org")
        )
    if viewer.sees_units:
        items.append(
            NavItem(_("固定资产"), reverse("assets:list"), "building-warehouse", "assets", section="org")
        )
        items.append(
            NavItem(
                _("业绩分析"), reverse("analytics:monthly"), "chart-bar", "analytics", section="performance"
            )
        )
    if viewer.may("purchasing.handle_purchaseorder") or viewer.sees_units:
        items.append(
            NavItem(
                _("采购单"), reverse("purchasing:list"), "shopping-cart", "purchase-orders", section="org"
            )
        )
    if viewer.may("yyforms.design_form"):
        items.append(NavItem(_("表单设计"), reverse("yyforms:list"), "forms", "forms", section="admin"))
    if viewer.may("notifications.change_robot"):
        items.append(
            NavItem(_("群机器人"), reverse("notifications:robots"), "robot", "robots", section="admin")
        )
    if viewer.may("core.change_calendaroverride"):
        items.append(NavItem(_("营业日历"), reverse("calendar"), "calendar", "calendar", section="admin"))
    if viewer.staff:
        items.append(NavItem(_("系统管理"), reverse("admin:index"), "settings", "admin", section="admin"))
    return items


def _workflow_items(viewer: Viewer) -> list[NavItem]:
    items = [
        NavItem(_("流程信箱"), reverse("workflow:inbox"), "inbox", "wf-inbox"),
        NavItem(_("审批中心"), reverse("workflow:definitions"), "send", "wf-start"),
        NavItem(_("服务台"), reverse("servicedesk:desk"), "lifebuoy", "servicedesk"),
    ]
    if viewer.monitors:
        items.append(
            NavItem(_("流程监控"), reverse("workflow:monitor"), "activity", "wf-monitor", section="admin")
        )
    if viewer.may("workflow.deploy_process") or viewer.may("workflow.add_processdefinition"):
        items.append(
            NavItem(
                _("流程设计"), reverse("workflow:designer-list"), "git-branch", "designer", section="admin"
            )
        )
    return items


def _duty_items(sees_units: bool) -> list[NavItem]:
    items = [NavItem(_("我的职责"), reverse("duties:mine"), "checklist", "duties-mine", section="duties")]
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


def _inspection_items(viewer: Viewer) -> list[NavItem]:
    if not viewer.sees_units:
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
            if viewer.may("inspections.conduct_visit")
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
