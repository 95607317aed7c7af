"""Who does a step: assignee rules resolved at run time, delegation, the empty-resolution rule.

Rule syntax (a step's ``yunying:assignee``; alternatives separated by ``|``, the first non-empty wins):

=============================  ===============================================================
``position:GM``                every holder of the position (several holders: any one may act, 或签)
``position:GM@C01``            holders of the position in that unit
``store:STORE-MGR``            the holder in the store the instance concerns
``region:AREA-MGR``            the holder in that store's region
``unit:MGMT-HEAD``             the holder in the instance's unit or the nearest unit above it
``superior`` / ``superior:2``  the requester's direct superior, or N levels up
``user:mgmt`` / ``user:a,b``   a named person, or several (any one may act, 或签)
``requester``                  the requester
``queue:position:CODE@UNIT``   a shared queue: holders see it and one of them claims it (接收)
``queue:group:NAME``           a queue of a Django group
``chosen:field``               the person (login or employee no., or a list of them) named in the data
``authority:category[:field]`` the authority matrix by amount (field ``amount`` by default)
=============================  ===============================================================
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import Group
from django.db.models import Q
from django.utils.translation import gettext as _

from yunying.accounts.models import User
from yunying.core import clock
from yunying.org.models import Appointment, Employee, OrgUnit, Position, UnitKind
from yunying.org.selectors import direct_superiors
from yunying.workflow.policy import policy as setting_get

KINDS = (
    "position",
    "store",
    "region",
    "unit",
    "superior",
    "user",
    "requester",
    "queue",
    "chosen",
    "authority",
)
EMPTY_RULES = ("skip", "head", "stop")
EMPTY_RULE_SETTING = "workflow.empty_assignee_rule"


@dataclass
class Resolution:
    users: list[User] = field(default_factory=list)
    position: Position | None = None
    unit: OrgUnit | None = None
    group: Group | None = None
    rule: str = ""
    note: str = ""

    @property
    def is_queue(self) -> bool:
        return self.position is not None or self.group is not None

    @property
    def empty(self) -> bool:
        return not self.users and not self.is_queue


@dataclass
class Context:
    requester: User
    unit: OrgUnit | None
    data: dict[str, Any]
    definition_id: int | None = None
    today: date | None = None


# --------------------------------------------------------------------------- static check (deploy)
def check_rule(rule: str) -> str | None:
    """A message when ``rule`` cannot be a valid assignee rule, else None (people are looked up later)."""
    if not rule or not rule.strip():
        return "empty rule"
    for alt in [a.strip() for a in rule.split("|")]:
        kind, _sep, arg = alt.partition(":")
        if kind not in KINDS:
            return f"unknown kind '{kind}' (one of {', '.join(KINDS)})"
        if kind in ("position", "store", "region", "unit", "user", "chosen", "authority") and not arg:
            return f"'{kind}' needs an argument, e.g. {kind}:…"
        if kind == "superior" and arg and not arg.isdigit():
            return "superior:N needs a number of levels"
        if kind == "queue" and not (arg.startswith("position:") or arg.startswith("group:")):
            return "queue needs position:CODE[@UNIT] or group:NAME"
        if kind in ("position", "store", "region", "unit"):
            code = arg.split("@", 1)[0]
            if not Position.objects.filter(code=code).exists():
                return f"position '{code}' does not exist"
        if kind == "queue" and arg.startswith("position:"):
            code = arg.split(":", 1)[1].split("@", 1)[0]
            if not Position.objects.filter(code=code).exists():
                return f"position '{code}' does not exist"
    return None


# --------------------------------------------------------------------------- resolution
def _holders(position_code: str, unit: OrgUnit | None = None) -> list[User]:
    """The active holders of a position (in ``unit``), by employee number. Memoised per process
    until an appointment, an employee or a user changes (``yunying.workflow.hotcache``); each call
    gets its own copies of the users."""
    from yunying.workflow.hotcache import memo

    today = clock.today()

    def load() -> list[User]:
        qs = Appointment.objects.active(today).filter(
            position__code=position_code, employee__is_active=True, employee__user__is_active=True
        )
        if unit is not None:
            qs = qs.filter(unit=unit)
        users: dict[int, User] = {}  # one query: the holders' users come with their appointments
        for appointment in qs.select_related("employee__user").order_by("employee__employee_no"):
            user = appointment.employee.user
            if user is not None:
                users.setdefault(user.pk, user)
        return list(users.values())

    unit_id = unit.pk if unit is not None else ""
    return [copy.copy(u) for u in memo(f"holders:{position_code}:{unit_id}:{today}", load)]


def _store_of(ctx: Context) -> OrgUnit | None:
    if ctx.unit is not None and ctx.unit.kind == UnitKind.STORE:
        return ctx.unit
    return None


def _region_of(ctx: Context) -> OrgUnit | None:
    unit = ctx.unit
    while unit is not None:
        if unit.kind == UnitKind.REGION:
            return unit
        unit = unit.parent
    return None


def _superiors(user: User, levels: int) -> list[User]:
    employee = Employee.objects.filter(user=user).first()
    people: list[Employee] = [employee] if employee else []
    for _level in range(levels):
        nxt: list[Employee] = []
        for person in people:
            nxt.extend(a.employee for a in direct_superiors(person))
        people = list({p.pk: p for p in nxt}.values())
    return [p.user for p in people if p.user is not None and p.user.is_active]


def _users_named(value: Any) -> list[User]:
    """People named by login or by employee number (what the forms' person picker stores)."""
    names = value if isinstance(value, (list, tuple)) else [value]
    names = [str(n).strip() for n in names if n not in (None, "")]
    users = User.objects.filter(Q(username__in=names) | Q(employee__employee_no__in=names), is_active=True)
    found: dict[str, User] = {}
    for user in users.select_related("employee"):
        found[user.username] = user
        employee = getattr(user, "employee", None)
        if employee is not None:
            found[employee.employee_no] = user
    return [found[n] for n in names if n in found]


def _amount(data: dict[str, Any], field_name: str) -> Decimal | None:
    try:
        return Decimal(str(data.get(field_name)))
    except (InvalidOperation, ValueError):
        return None


def resolve_one(alt: str, ctx: Context, *, depth: int = 0) -> Resolution:
    kind, _sep, arg = alt.strip().partition(":")
    res = Resolution(rule=alt)
    if kind == "position":
        code, _at, unit_code = arg.partition("@")
        unit = OrgUnit.objects.filter(code=unit_code).first() if unit_code else None
        res.users = _holders(code, unit) if not unit_code or unit else []
    elif kind == "store":
        store = _store_of(ctx)
        res.users = _holders(arg, store) if store else []
    elif kind == "region":
        region = _region_of(ctx)
        res.users = _holders(arg, region) if region else []
    elif kind == "unit":
        unit = ctx.unit
        while unit is not None and not res.users:
            res.users = _holders(arg, unit)
            unit = unit.parent
    elif kind == "superior":
        res.users = _superiors(ctx.requester, int(arg or 1))
    elif kind == "user":  # one login, or several (user:a,b: any of them may act, 或签)
        res.users = _users_named([n for n in arg.split(",") if n.strip()])
    elif kind == "requester":
        res.users = [ctx.requester] if ctx.requester.is_active else []
    elif kind == "chosen":
        res.users = _users_named(ctx.data.get(arg))
    elif kind == "queue":
        what, _c, rest = arg.partition(":")
        if what == "position":
            code, _at, unit_code = rest.partition("@")
            res.position = Position.objects.filter(code=code).first()
            res.unit = OrgUnit.objects.filter(code=unit_code).first() if unit_code else None
            if res.position is None or (unit_code and res.unit is None) or not _holders(code, res.unit):
                res.position, res.unit = None, None  # nobody could ever claim it: treat as empty
        elif what == "group":
            res.group = Group.objects.filter(name=rest).first()
            if res.group is not None and not res.group.user_set.filter(is_active=True).exists():
                res.group = None
    elif kind == "authority" and depth == 0:
        from yunying.workflow.authority import authority_rule_for

        category, _c, field_name = arg.partition(":")
        rule = authority_rule_for(
            category=category, amount=_amount(ctx.data, field_name or "amount"), unit=ctx.unit, on=ctx.today
        )
        if rule is not None:
            inner = resolve(rule.approver, ctx, depth=1)
            inner.note = f"{rule.category} · {rule.name}"
            inner.rule = f"{alt} → {rule.approver}"
            return inner
    return res


def resolve(rule: str, ctx: Context, *, depth: int = 0) -> Resolution:
    """The people (or queue) for ``rule``; an empty Resolution when nobody matches."""
    last = Resolution(rule=rule)
    for alt in [a.strip() for a in (rule or "").split("|") if a.strip()]:
        res = resolve_one(alt, ctx, depth=depth)
        if not res.empty:
            return res
        last = res
    return last


def empty_rule(props: dict[str, str]) -> str:
    value = props.get("yunying:ifEmpty") or props.get("ifEmpty") or setting_get(EMPTY_RULE_SETTING)
    return value if value in EMPTY_RULES else "stop"


def department_head() -> list[User]:
    """The head of the management department (the configured fallback approver)."""
    from yunying.org.services import management_department

    try:
        unit = management_department()
    except Exception:
        return []
    heads = Appointment.objects.active().filter(unit=unit, position__is_head=True)
    return _users_named(list(heads.values_list("employee__user__username", flat=True)))


# --------------------------------------------------------------------------- delegation (委托)
def delegators() -> frozenset[int]:
    """Everyone with an active delegation that has not ended (a superset of who delegates today),
    memoised per process until a delegation changes: most people delegate nothing, and then
    assignment needs no delegation query."""
    from yunying.workflow.hotcache import memo
    from yunying.workflow.models import Delegation

    def load() -> frozenset[int]:
        since = clock.today() - timedelta(days=7)  # generous: clocks of tests and time zones
        return frozenset(
            Delegation.objects.filter(is_active=True)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=since))
            .values_list("from_user_id", flat=True)
        )

    return memo("delegators", load)


def delegate_for(user: User, *, definition_id: int | None, on: date | None = None) -> User | None:
    """The person ``user``'s work goes to today (following a chain of at most 3), or None."""
    from yunying.workflow.models import Delegation

    on = on or clock.today()
    if user.pk not in delegators():
        return None
    seen = {user.pk}
    current = user
    target = None
    for _step in range(3):
        d = (
            Delegation.objects.filter(from_user=current, is_active=True, starts_on__lte=on)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
            .filter(Q(definition__isnull=True) | Q(definition_id=definition_id))
            .select_related("to_user")
            .order_by("-definition_id", "-starts_on")
            .first()
        )
        if d is None or d.to_user_id in seen or not d.to_user.is_active:
            break
        target = current = d.to_user
        seen.add(current.pk)
    return target


def delegates_for(
    users: list[User], *, definition_id: int | None, on: date | None = None
) -> dict[int, User | None]:
    """:func:`delegate_for` of several people, with one query when none of them delegates (the
    usual case); whoever does is followed through :func:`delegate_for` itself."""
    from yunying.workflow.models import Delegation

    on = on or clock.today()
    if not delegators() & {u.pk for u in users}:
        return {u.pk: None for u in users}
    first: dict[int, Any] = {}
    for d in (
        Delegation.objects.filter(from_user__in=users, is_active=True, starts_on__lte=on)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .filter(Q(definition__isnull=True) | Q(definition_id=definition_id))
        .order_by("from_user_id", "-definition_id", "-starts_on")
        .values_list("from_user_id", "to_user_id")
    ):
        first.setdefault(d[0], d[1])  # each person's first delegation, as delegate_for orders them
    return {
        u.pk: delegate_for(u, definition_id=definition_id, on=on)
        if first.get(u.pk) not in (None, u.pk)
        else None
        for u in users
    }


def describe(res: Resolution) -> str:
    if res.users:
        return "、".join(u.display_name for u in res.users)
    if res.position is not None:
        where = f"{res.unit.name} · " if res.unit else ""
        return _("%(where)s%(position)s（共享队列）") % {"where": where, "position": res.position.name}
    if res.group is not None:
        return _("%(group)s（共享队列）") % {"group": res.group.name}
    return _("（无人）")
