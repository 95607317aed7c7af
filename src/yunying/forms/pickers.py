"""Person, store and position pickers: what a user may pick (their scope) and the check of what was sent."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from yunying.forms import schema as s
from yunying.org.models import Employee, Position, Store
from yunying.org.scope import employees_visible_to, stores_visible_to

MAX_OPTIONS = 50


def store_options(user: Any) -> QuerySet[Store]:
    return stores_visible_to(user).filter(closed_on__isnull=True).order_by("code")


def own_store_code(user: Any) -> str:
    """The code of the open store the user works in (their one active store appointment), else ""."""
    from yunying.org.models import Appointment, UnitKind

    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    codes = set(
        Appointment.objects.active()
        .filter(employee__user=user, unit__kind=UnitKind.STORE, unit__closed_on__isnull=True)
        .values_list("unit__code", flat=True)
    )
    return codes.pop() if len(codes) == 1 else ""


def position_options() -> QuerySet[Position]:
    return Position.objects.order_by("sort_order", "code")


def employee_search(user: Any, q: str = "", *, limit: int = MAX_OPTIONS) -> list[Employee]:
    qs = employees_visible_to(user).filter(is_active=True)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(employee_no__icontains=q) | Q(phone__icontains=q))
    return list(qs.order_by("employee_no")[:limit])


def check_codes(user: Any, codes: list[tuple[str, str, str]]) -> dict[str, str]:
    """`codes`: (field type, path, code). Returns path → message for every code the user may not pick."""
    wanted: dict[str, set[str]] = {}
    for kind, _path, code in codes:
        wanted.setdefault(kind, set()).add(code)
    found: dict[str, set[str]] = {}
    if s.EMPLOYEE in wanted:
        found[s.EMPLOYEE] = set(
            employees_visible_to(user)
            .filter(is_active=True, employee_no__in=wanted[s.EMPLOYEE])
            .values_list("employee_no", flat=True)
        )
    if s.STORE in wanted:
        found[s.STORE] = set(
            store_options(user).filter(code__in=wanted[s.STORE]).values_list("code", flat=True)
        )
    if s.POSITION in wanted:
        found[s.POSITION] = set(
            Position.objects.filter(code__in=wanted[s.POSITION]).values_list("code", flat=True)
        )
    messages = {
        s.EMPLOYEE: _("找不到工号为“%(code)s”的在职员工，或其不在您的范围内。"),
        s.STORE: _("找不到编码为“%(code)s”的门店，或其不在您的范围内。"),
        s.POSITION: _("找不到编码为“%(code)s”的岗位。"),
    }
    return {
        path: messages[kind] % {"code": code}
        for kind, path, code in codes
        if code not in found.get(kind, set())
    }


def display_names(codes: dict[str, set[str]]) -> dict[tuple[str, str], str]:
    """(type, code) → a name to show, for read-only rendering (no scope: the data is already stored)."""
    names: dict[tuple[str, str], str] = {}
    if codes.get(s.EMPLOYEE):
        for no, name in Employee.objects.filter(employee_no__in=codes[s.EMPLOYEE]).values_list(
            "employee_no", "name"
        ):
            names[(s.EMPLOYEE, no)] = f"{name}（{no}）"
    if codes.get(s.STORE):
        for code, name in Store.objects.filter(code__in=codes[s.STORE]).values_list("code", "name"):
            names[(s.STORE, code)] = name
    if codes.get(s.POSITION):
        for position in Position.objects.filter(code__in=codes[s.POSITION]):
            names[(s.POSITION, position.code)] = position.display_name
    return names
