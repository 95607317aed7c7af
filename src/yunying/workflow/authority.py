"""The authority matrix (审批权限表) and the "who would approve this?" simulator."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from yunying.core import clock
from yunying.org.models import OrgUnit
from yunying.workflow.models import AuthorityRule


def rules_in_force(*, category: str, on: date | None = None) -> QuerySet[AuthorityRule]:
    on = on or clock.today()
    return (
        AuthorityRule.objects.filter(category=category, effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .select_related("unit")
    )


def _matches(rule: AuthorityRule, amount: Decimal | None) -> bool:
    if amount is None:
        return rule.min_amount is None and rule.max_amount is None
    if rule.min_amount is not None and (
        amount < rule.min_amount or (amount == rule.min_amount and not rule.min_inclusive)
    ):
        return False
    return not (
        rule.max_amount is not None
        and (amount > rule.max_amount or (amount == rule.max_amount and not rule.max_inclusive))
    )


def authority_rule_for(
    *, category: str, amount: Decimal | None, unit: OrgUnit | None, on: date | None = None
) -> AuthorityRule | None:
    """The rule that applies: the most specific unit (the unit itself, then its ancestors, then the
    whole chain), then the latest effective date. The rules in force are memoised per process until
    one changes (``yunying.workflow.hotcache``)."""
    from yunying.workflow.hotcache import memo

    day = on or clock.today()
    in_force = memo(f"authority:{category}:{day}", lambda: list(rules_in_force(category=category, on=day)))
    candidates = [r for r in in_force if _matches(r, amount)]
    scoped = {r.unit_id for r in candidates if r.unit_id is not None}
    current = unit if scoped else None  # no rule for a unit: the chain's rules, no walk up the tree
    while current is not None and scoped:
        here = [r for r in candidates if r.unit_id == current.pk]
        if here:
            return max(here, key=lambda r: (r.effective_from, r.pk))
        scoped.discard(current.pk)
        current = current.parent
    here = [r for r in candidates if r.unit_id is None]
    return max(here, key=lambda r: (r.effective_from, r.pk)) if here else None


def sample_values(sample: dict[str, str]) -> dict[str, Any]:
    """Sample form values typed for the engine: numbers become Decimals, the rest stays text."""
    from decimal import InvalidOperation

    out: dict[str, Any] = {}
    for key, raw in sample.items():
        try:
            out[key] = Decimal(raw.strip())
        except (InvalidOperation, AttributeError):
            out[key] = raw
    return out


@dataclass
class SimulatedStep:
    element_id: str
    name: str
    rule: str
    approvers: str
    note: str = ""
    auto: str = ""
    users: list[Any] = field(default_factory=list)  # the people resolved that the viewer may see
    hidden: int = 0  # people chosen by a `chosen:` field whom the viewer may not see (not named)
    queue: str = ""  # a shared queue's description ("A1 店长（共享队列）"), else ""


@dataclass
class Simulation:
    steps: list[SimulatedStep] = field(default_factory=list)
    outcome: str = ""
    error: str = ""


def _within_sight(res: Any, rule: str, *, viewer: Any) -> tuple[list[Any], int]:
    """The people resolved that the simulator may name to ``viewer``, and how many it may not.

    A person named by a `chosen:` field is a login the simulator's user typed: named only when the viewer
    may see them (or it is the viewer). Every other rule resolves from the org chart the viewer acts in."""
    from yunying.org.scope import employees_visible_to

    users = list(res.users)
    if not rule.startswith("chosen:") or not users:
        return users, 0
    visible = set(
        employees_visible_to(viewer)
        .filter(user_id__in=[u.pk for u in users])
        .values_list("user_id", flat=True)
    )
    shown = [u for u in users if u.pk in visible or u.pk == viewer.pk]
    return shown, len(users) - len(shown)


def _scoped_description(res: Any, rule: str, shown: list[Any], hidden: int) -> str:
    """Who would act, as the simulator may show it: a hidden chosen person is "选择的人员"."""
    from yunying.workflow import assignment

    if not rule.startswith("chosen:") or not res.users:
        return assignment.describe(res)
    names = [f"{u.display_name}（{u.username}）" for u in shown] + [_("选择的人员")] * bool(hidden)
    return "、".join(dict.fromkeys(names))


_EMPTY_BY_TYPE: dict[str, Any] = {"number": 0, "money": 0, "bool": False}


def _step_defaults(props: dict[str, Any]) -> dict[str, Any]:
    """Empty values of a step's inline fields, so a gateway after it that reads them (``satisfaction ==
    "不满意"``) takes its default route in the simulation instead of failing on an unknown name."""
    from yunying.workflow.forms_bridge import parse_inline_fields

    try:
        fields = parse_inline_fields(str(props.get("yunying:fields") or props.get("fields") or ""))
    except ValueError:
        return {}
    return {f.name: _EMPTY_BY_TYPE.get(f.type, "") for f in fields}


def simulate(*, version: Any, requester: Any, unit: OrgUnit | None, data: dict[str, Any]) -> Simulation:
    """Run ``version`` in memory with ``data``, approving every step, and list who would act.

    Nothing is stored. Auto-skips (the same approver twice in a row) and empty resolutions are shown."""
    from yunying.workflow import assignment
    from yunying.workflow.engine import EngineError, start_instance
    from yunying.workflow.runtime import definition_of, pure_approval, step_limit

    sim = Simulation()
    defn = definition_of(version)
    try:
        eng = start_instance(defn, dict(data), step_limit=step_limit)
        previous: list[int] = []
        seen: set[str] = set()
        for _round in range(50):
            ready = eng.ready_user_tasks()
            if not ready:
                break
            for task in ready:
                rule = task.prop("assignee") or ""
                ctx = assignment.Context(requester=requester, unit=unit, data=task.data)
                res = assignment.resolve(rule, ctx) if rule else assignment.Resolution()
                users, hidden = _within_sight(res, rule, viewer=requester)
                shown = _scoped_description(res, rule, users, hidden)
                step = SimulatedStep(task.element_id, task.name or task.element_id, rule, shown)
                step.note = res.note
                step.users, step.hidden = users, hidden
                step.queue = assignment.describe(res) if res.is_queue and not res.users else ""
                ids = [u.pk for u in res.users]
                if res.empty:
                    step.auto = assignment.empty_rule(task.properties)
                elif (  # the runtime's 自动去重 rule (runtime._may_dedup)
                    len(ids) == 1
                    and ids == previous
                    and pure_approval(task.properties)
                    and task.element_id not in seen
                ):
                    step.auto = "dedup"
                previous = [] if step.auto else ids  # only a person's own approval repeats
                seen.add(task.element_id)
                sim.steps.append(step)
                eng.reset_step_count()  # the run-away limit is per action, as at run time
                eng.complete_task(task.id, {**_step_defaults(task.properties), "approved": True})
        sim.outcome = "completed" if eng.is_completed() else "waiting"
    except EngineError as exc:
        sim.error = exc.message
    return sim
