"""Rule-triggered actions (规则): checking and saving a ``ProcessRule``, and firing the rules of an
instance at its events (one place: :func:`fire`, called by the runtime when an instance starts, a step
is completed, an instance is approved at its end or rejected).

A firing runs the rule's system action (``yunying.workflow.system_actions``) inside the transaction of
what triggered it and writes a line ``rule`` in the instance's history, with the rule's name. The
runtime reads the rules from ``ProcessDefinition.rules_snapshot`` (kept here whenever a rule changes),
so an action costs no query for the rules of its process."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yunying.core.errors import DomainError, PermissionDenied
from yunying.core.expressions import ExpressionError, check_expression, evaluate
from yunying.workflow import system_actions
from yunying.workflow.deploy import can_deploy
from yunying.workflow.models import ProcessDefinition, ProcessInstance, ProcessRule, RuleEvent

# Names a condition may read besides the process's form fields.
RULE_NAMES = ("outcome", "step", "approved", "requester", "store", "unit")


# --------------------------------------------------------------------------- checking and saving
def known_names(definition: ProcessDefinition) -> set[str] | None:
    """Field names of the latest version's forms (start and steps), plus :data:`RULE_NAMES`;
    None when they cannot be known (no version yet, a start event without a declared form…)."""
    from yunying.workflow.deploy_names import step_fields
    from yunying.workflow.runtime import definition_of

    version = definition.versions.order_by("-number").first()
    if version is None:
        return None
    defn = definition_of(version)
    start_props = defn.properties.get(defn.start_event, {})
    start = step_fields(start_props) if start_props else None
    if not start:
        return None
    names = set(start) | set(RULE_NAMES)
    for props in defn.properties.values():
        fields = step_fields(props)
        if fields is None:
            return None
        names |= fields
    return names


def rule_check(
    definition: ProcessDefinition,
    *,
    event: str,
    step: str = "",
    condition: str = "",
    action: str,
    params: str | Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """The problems of a rule, per field (empty: none). ``params`` as in a diagram or a mapping."""
    problems: dict[str, str] = {}
    if event not in RuleEvent.values:
        problems["event"] = _("未知的触发时机“%(event)s”。") % {"event": event}
    if step and event != RuleEvent.STEP_COMPLETED:
        problems["step"] = _("只有“步骤完成”的规则可以指定步骤。")
    if condition.strip():
        try:
            check_expression(condition, known_names=known_names(definition))
        except ExpressionError as exc:
            problems["condition"] = _("条件无法通过检查：%(msg)s") % {"msg": exc}
    if action not in system_actions.REGISTRY:
        problems["action"] = _("未知的动作“%(action)s”，可用：%(known)s") % {
            "action": action,
            "known": "、".join(sorted(system_actions.REGISTRY)),
        }
    else:
        problem = system_actions.check(action, params)
        if problem:
            problems["params"] = _("参数有误：%(msg)s") % {"msg": problem}
    return problems


def refresh_snapshot(definition: ProcessDefinition) -> None:
    definition.rules_snapshot = [
        {
            "id": r.pk,
            "name": r.name,
            "event": r.event,
            "step": r.step,
            "condition": r.condition,
            "action": r.action,
            "params": r.params,
        }
        for r in definition.rules.filter(is_active=True).order_by("order", "pk")
    ]
    ProcessDefinition.objects.filter(pk=definition.pk).update(rules_snapshot=definition.rules_snapshot)


def process_rule_save(
    *,
    actor: Any,
    definition: ProcessDefinition,
    rule: ProcessRule | None = None,
    name: str,
    event: str,
    step: str = "",
    condition: str = "",
    action: str,
    params: str | Mapping[str, Any] | None = None,
    is_active: bool = True,
    order: int = 0,
) -> ProcessRule:
    """Create or change a rule of ``definition``; refused (DomainError naming the field) when the
    condition does not parse or reads unknown names, the action is unknown or its params are wrong."""
    if actor is not None and not can_deploy(actor):
        raise PermissionDenied(_("您没有修改流程规则的权限。"))
    name = (name or "").strip()
    if not name:
        raise DomainError(_("请填写规则名称。"), field="name")
    condition = (condition or "").strip()
    step = (step or "").strip()
    problems = rule_check(
        definition, event=event, step=step, condition=condition, action=action, params=params
    )
    if problems:
        field, message = next(iter(problems.items()))
        raise DomainError(message, field=field, code="rule_invalid")
    parsed = system_actions.parse_params(params)
    with transaction.atomic():
        row = rule or ProcessRule(definition=definition)
        row.definition = definition
        row.name, row.event, row.step, row.condition = name[:100], event, step, condition
        row.action, row.params, row.is_active, row.order = action, parsed, is_active, order
        row.save()
        refresh_snapshot(definition)
    return row


def process_rule_delete(*, actor: Any, rule: ProcessRule) -> None:
    if actor is not None and not can_deploy(actor):
        raise PermissionDenied(_("您没有修改流程规则的权限。"))
    definition = rule.definition
    with transaction.atomic():
        rule.delete()
        refresh_snapshot(definition)


# --------------------------------------------------------------------------- firing
def fire(
    instance: ProcessInstance, event: str, data: Mapping[str, Any], *, step: str = "", outcome: str = ""
) -> int:
    """Run the instance's active rules for ``event`` whose condition holds; returns how many fired.

    ``data``: the typed process data (Decimal, date…) at that point; ``step``: the element id of the
    completed step. A condition that cannot be evaluated on this data is recorded, not fired; an
    action that fails raises (the caller's transaction, and so the triggering action, rolls back)."""
    from yunying.workflow import runtime

    rules = [r for r in instance.definition.rules_snapshot if r.get("event") == event]
    fired = 0
    for rule in rules:
        if rule.get("step") and rule["step"] != step:
            continue
        context = {
            **{k: v for k, v in data.items() if not k.startswith("_")},
            "outcome": outcome,
            "step": step,
        }
        detail = {"rule": rule["name"], "event": event, "action": rule["action"], "step": step}
        if rule.get("condition"):
            try:
                holds = bool(evaluate(rule["condition"], context))
            except ExpressionError as exc:
                runtime.event(
                    instance,
                    "rule",
                    comment=_("规则“%(name)s”的条件无法计算：%(msg)s") % {"name": rule["name"], "msg": exc},
                    data={**detail, "error": str(exc)},
                )
                continue
            if not holds:
                continue
        runtime.event(instance, "rule", comment=rule["name"], data=detail)
        updates = system_actions.run(instance, rule["action"], rule.get("params") or {}, dict(context))
        if updates and isinstance(data, dict):
            data.update(updates)  # at the start: the engine starts with what a `set` rule computed
        fired += 1
    return fired
