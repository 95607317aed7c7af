"""The person picker of 转交 and 加签: who an actor may hand a task to, found by name, login or number.

With ``workflow.picker_scope`` = ``scope`` (the default) the actor is offered the active people of
their own scope (org/scope.py), the people seated in the units above them (a 店长 may ask the 区域经理
or the 管理部 to sign; not another region's stores) and their superiors up to three levels; with
``all`` every active person. Nobody outside that set is named in an answer, and the
actions refuse a person outside it as if they did not exist."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from yunying.accounts.models import User
from yunying.org.models import Appointment
from yunying.org.scope import employees_visible_to, scope_for
from yunying.workflow.policy import policy

MAX_RESULTS = 20
SUPERIOR_LEVELS = 3


@dataclass(frozen=True)
class PersonOption:
    username: str
    name: str
    positions: str  # "浦东区域 区域经理、…"


def _superior_ids(actor: Any) -> set[int]:
    from yunying.workflow.assignment import _superiors

    return {u.pk for u in _superiors(actor, SUPERIOR_LEVELS)} if actor.is_authenticated else set()


def pickable_users(actor: Any) -> QuerySet[User]:
    """Active people the actor may pick (the actor left out)."""
    everyone = User.objects.filter(is_active=True).exclude(pk=actor.pk or 0)
    if not actor.is_authenticated:
        return everyone.none()
    if str(policy("workflow.picker_scope")) == "all" or actor.is_superuser or scope_for(actor).everything:
        return everyone
    scope = scope_for(actor)
    in_scope = employees_visible_to(actor).filter(is_active=True).values("user_id")
    above = (
        Appointment.objects.active()
        .filter(unit_id__in=scope.context_ids, employee__is_active=True)
        .values("employee__user_id")
    )
    return everyone.filter(Q(pk__in=in_scope) | Q(pk__in=above) | Q(pk__in=_superior_ids(actor)))


def person_pickable(actor: Any, person: User) -> bool:
    return pickable_users(actor).filter(pk=person.pk).exists()


def person_search(actor: Any, q: str = "", *, limit: int = MAX_RESULTS) -> list[PersonOption]:
    """Up to ``limit`` people the actor may pick whose name, login or employee number contains ``q``."""
    q = (q or "").strip()[:50]
    qs = pickable_users(actor)
    if q:
        qs = qs.filter(
            Q(username__icontains=q)
            | Q(first_name__icontains=q)
            | Q(last_name__icontains=q)
            | Q(employee__name__icontains=q)
            | Q(employee__employee_no__icontains=q)
        )
    users = list(qs.select_related("employee").order_by("username")[:limit])
    seats: dict[int, list[str]] = {}
    for a in (
        Appointment.objects.active()
        .filter(employee__user__in=users)
        .select_related("position", "unit", "employee")
        .order_by("-position__is_head", "pk")
    ):
        if a.employee.user_id is not None:
            seats.setdefault(a.employee.user_id, []).append(f"{a.unit.name} {a.position.display_name}")
    return [PersonOption(u.username, u.display_name, "、".join(seats.get(u.pk, [])[:3])) for u in users]
