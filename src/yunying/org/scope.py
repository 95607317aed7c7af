"""Who sees what: the one place that turns a user into the set of org units they may see.

A person sees the subtree of every unit they hold an active appointment in: the 店长 their store,
the 区域经理 their region's stores. Positions marked `sees_everything` (data: 总经理, 运营经理, 管理部)
see the whole organisation, as do superusers. Every selector starts here.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from yunying.org.models import Appointment, Employee, OrgUnit, Store, UnitKind

if TYPE_CHECKING:
    from yunying.accounts.models import User

_CACHE_ATTR = "_yunying_scope"


@dataclass(frozen=True)
class UnitTree:
    parent_of: dict[int, int | None]
    children_of: dict[int | None, list[int]]
    kind_of: dict[int, str]

    @classmethod
    def load(cls) -> UnitTree:
        parent_of: dict[int, int | None] = {}
        children_of: dict[int | None, list[int]] = defaultdict(list)
        kind_of: dict[int, str] = {}
        for pk, parent_id, kind in OrgUnit.objects.values_list("pk", "parent_id", "kind"):
            parent_of[pk] = parent_id
            children_of[parent_id].append(pk)
            kind_of[pk] = kind
        return cls(parent_of, dict(children_of), kind_of)

    def descendants(self, unit_id: int) -> set[int]:
        """The unit and everything below it."""
        found, stack = set(), [unit_id]
        while stack:
            current = stack.pop()
            if current in found:
                continue
            found.add(current)
            stack.extend(self.children_of.get(current, []))
        return found

    def ancestors(self, unit_id: int) -> list[int]:
        """From the unit's parent up to the root."""
        chain: list[int] = []
        current = self.parent_of.get(unit_id)
        while current is not None and current not in chain:
            chain.append(current)
            current = self.parent_of.get(current)
        return chain


@dataclass(frozen=True)
class Scope:
    everything: bool
    unit_ids: frozenset[int] = field(default_factory=frozenset)
    """Units the user may see in full (their subtrees)."""
    context_ids: frozenset[int] = field(default_factory=frozenset)
    """Ancestors of those units: shown as context (names in the org chart), not their contents."""

    def sees_unit(self, unit_id: int) -> bool:
        return self.everything or unit_id in self.unit_ids


def _compute(user: User) -> Scope:
    if not user.is_authenticated or not user.is_active:
        return Scope(everything=False)
    if user.is_superuser:
        return Scope(everything=True)
    rows = list(
        Appointment.objects.active()
        .filter(employee__user=user, employee__is_active=True)
        .values_list("unit_id", "position__sees_everything")
    )
    if any(sees_all for _unit, sees_all in rows):
        return Scope(everything=True)
    unit_ids = [unit_id for unit_id, _sees_all in rows]
    if not unit_ids:
        return Scope(everything=False)
    tree = UnitTree.load()
    visible: set[int] = set()
    for unit_id in unit_ids:
        visible |= tree.descendants(unit_id)
    roots = [pk for pk, parent in tree.parent_of.items() if parent is None]
    if roots and all(root in visible for root in roots):
        return Scope(everything=True)
    context: set[int] = set()
    for unit_id in unit_ids:
        context.update(tree.ancestors(unit_id))
    return Scope(everything=False, unit_ids=frozenset(visible), context_ids=frozenset(context - visible))


def scope_for(user: Any) -> Scope:
    """The user's scope, computed once per user object (i.e. once per request)."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = _compute(user)
        with contextlib.suppress(AttributeError):  # AnonymousUser and friends
            setattr(user, _CACHE_ATTR, cached)
    return cached


def scope_prime(user: Any, load: Callable[[Any], Scope]) -> Scope:
    """:func:`scope_for` with ``load(user)`` computing it on a miss (a caller's memo across requests,
    e.g. the workflow's start, invalidated when appointments change); kept on the user object too."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = load(user)
        with contextlib.suppress(AttributeError):
            setattr(user, _CACHE_ATTR, cached)
    return cached


def scope_compute(user: Any) -> Scope:
    """The user's scope read from the database now (no cache)."""
    return _compute(user)


def scope_reset(user: Any) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def units_visible_to(user: Any, *, with_context: bool = False) -> QuerySet[OrgUnit]:
    scope = scope_for(user)
    if scope.everything:
        return OrgUnit.objects.all()
    ids = set(scope.unit_ids) | (set(scope.context_ids) if with_context else set())
    return OrgUnit.objects.filter(pk__in=ids)


def stores_visible_to(user: Any) -> QuerySet[Store]:
    scope = scope_for(user)
    if scope.everything:
        return Store.objects.all()
    return Store.objects.filter(pk__in=scope.unit_ids)


def regions_visible_to(user: Any) -> QuerySet[OrgUnit]:
    return units_visible_to(user).filter(kind=UnitKind.REGION)


def employees_visible_to(user: Any) -> QuerySet[Employee]:
    scope = scope_for(user)
    if scope.everything:
        return Employee.objects.all()
    in_scope = Appointment.objects.active().filter(unit_id__in=scope.unit_ids).values("employee_id")
    return Employee.objects.filter(pk__in=in_scope) | Employee.objects.filter(user_id=user.pk)
