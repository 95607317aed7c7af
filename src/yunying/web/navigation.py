"""The navigation a user sees, decided by what they may see and do (scope and permissions)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from yunying.org.scope import scope_for


@dataclass(frozen=True)
class NavItem:
    label: Any
    url: str
    icon: str
    key: str
    badge: int | None = None


def navigation_for(user: Any) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    scope = scope_for(user)
    items = [NavItem(_("首页"), reverse("home"), "home", "home")]
    items.append(NavItem(_("组织架构"), reverse("org:chart"), "sitemap", "chart"))
    if scope.everything or scope.unit_ids:
        items.append(NavItem(_("门店"), reverse("org:stores"), "building-store", "stores"))
        items.append(NavItem(_("人员"), reverse("org:people"), "users", "people"))
        items.append(NavItem(_("业绩分析"), reverse("analytics:monthly"), "chart-bar", "analytics"))
    if scope.everything:
        items.append(NavItem(_("区域"), reverse("org:regions"), "map", "regions"))
    items.append(NavItem(_("岗位"), reverse("org:positions"), "id-badge", "positions"))
    if user.has_perm("yyforms.design_form"):
        items.append(NavItem(_("表单设计"), reverse("yyforms:list"), "forms", "forms"))
    items.extend(_workflow_items(user))
    if user.has_perm("org.add_store") or user.has_perm("org.add_employee"):
        items.append(NavItem(_("导入导出"), reverse("org:import"), "file-spreadsheet", "import"))
    if user.is_staff:
        items.append(NavItem(_("系统管理"), reverse("admin:index"), "settings", "admin"))
    return items


def _workflow_items(user: Any) -> list[NavItem]:
    from yunying.workflow.inbox import todo_count
    from yunying.workflow.monitor import can_monitor

    items = [
        NavItem(_("流程信箱"), reverse("workflow:inbox"), "inbox", "wf-inbox", todo_count(user) or None),
        NavItem(_("发起流程"), reverse("workflow:definitions"), "send", "wf-start"),
    ]
    if can_monitor(user):
        items.append(NavItem(_("流程监控"), reverse("workflow:monitor"), "activity", "wf-monitor"))
    if user.has_perm("workflow.deploy_process") or user.has_perm("workflow.add_processdefinition"):
        items.append(NavItem(_("流程设计"), reverse("workflow:designer-list"), "git-branch", "designer"))
    return items
