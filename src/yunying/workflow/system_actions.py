"""System actions (系统步骤): what a BPMN service task with ``yunying:action="<name>"`` runs, and what a
process rule (``ProcessRule``) triggers. The registry maps a name to a :class:`SystemAction`: a Python
function ``run(instance, params, data)`` and the parameters it declares (checked at deploy and when a
rule is saved, so a running instance never meets an unknown action or a malformed parameter).

Actions run inside the transaction of the step (or of the action that fired the rule), each in a
savepoint: one that raises leaves nothing behind. Database rows (notifications, copies, history) are
written right away; what leaves the database (delivery) goes through ``transaction.on_commit`` → Huey.

Parameters, in a diagram: ``yunying:params`` as a JSON object (``{"to": "position:GM"}``) or a
``key=value`` list separated by new lines or ``;`` (``to=position:GM; message=金额 {amount} 元``)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yunying.core import clock
from yunying.core.expressions import ExpressionError, check_expression, evaluate
from yunying.workflow import assignment
from yunying.workflow.errors import ProcessError
from yunying.workflow.models import CarbonCopy, ProcessInstance

NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")
MAX_MESSAGE = 300


@dataclass(frozen=True)
class Param:
    """A declared parameter. ``kind``: text, template (``{field}`` placeholders), assignee (an
    assignee rule such as ``position:GM``), expression (restricted), field (a data field name)."""

    name: str
    kind: str = "text"
    required: bool = True
    label: Any = ""


ActionFn = Callable[[ProcessInstance, dict[str, str], dict[str, Any]], "dict[str, Any] | None"]


@dataclass(frozen=True)
class SystemAction:
    name: str
    label: Any
    params: tuple[Param, ...]
    run: ActionFn


REGISTRY: dict[str, SystemAction] = {}


class ActionFailed(ProcessError):
    """A system action could not do its work; the step (and everything it did) is rolled back."""


def register(name: str, label: Any, *params: Param) -> Callable[[ActionFn], ActionFn]:
    def wrap(fn: ActionFn) -> ActionFn:
        REGISTRY[name] = SystemAction(name, label, tuple(params), fn)
        return fn

    return wrap


# --------------------------------------------------------------------------- parameters
def parse_params(raw: str | Mapping[str, Any] | None) -> dict[str, str]:
    """``yunying:params`` (JSON object or key=value list) or a stored mapping → ``{name: text}``.

    Raises ValueError with a message saying what is wrong."""
    if raw is None or raw == "":
        return {}
    if isinstance(raw, Mapping):
        items = dict(raw)
    else:
        text = str(raw).strip()
        if text.startswith("{"):
            try:
                items = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ValueError(f"params are not valid JSON: {exc.msg} (column {exc.colno})") from None
            if not isinstance(items, dict):
                raise ValueError("params must be a JSON object")
        else:
            items = {}
            for part in re.split(r"[;\n]", text):
                if not part.strip():
                    continue
                key, sep, value = part.partition("=")
                if not sep:
                    raise ValueError(f"'{part.strip()}' is not key=value")
                items[key.strip()] = value.strip()
    out: dict[str, str] = {}
    for key, value in items.items():
        if not isinstance(value, (str, int, float, bool)) or value is None:
            raise ValueError(f"param '{key}' must be text")
        out[str(key)] = value if isinstance(value, str) else json.dumps(value)
    return out


def check(name: str, raw: str | Mapping[str, Any] | None) -> str | None:
    """What is wrong with using action ``name`` with these parameters (None: nothing)."""
    action = REGISTRY.get(name or "")
    if action is None:
        return f"unknown action '{name}'; known: {', '.join(sorted(REGISTRY))}"
    try:
        params = parse_params(raw)
    except ValueError as exc:
        return str(exc)
    declared = {p.name: p for p in action.params}
    unknown = sorted(set(params) - set(declared))
    if unknown:
        return (
            f"action '{name}' has no parameter {', '.join(unknown)}; it takes: {', '.join(declared) or '—'}"
        )
    for p in action.params:
        value = params.get(p.name, "")
        if not value:
            if p.required:
                return f"action '{name}' needs the parameter '{p.name}'"
            continue
        problem = _check_value(p, value)
        if problem:
            return f"{p.name}: {problem}"
    return None


def _check_value(p: Param, value: str) -> str | None:
    if p.kind == "assignee":
        return assignment.check_rule(value)
    if p.kind == "expression":
        try:
            check_expression(value)
        except ExpressionError as exc:
            return str(exc)
    if p.kind == "field" and not NAME_RE.match(value):
        return f"'{value}' is not a field name"
    if p.kind == "template":
        for name in PLACEHOLDER_RE.findall(value):
            if not NAME_RE.match(name.strip()):
                return f"placeholder '{{{name}}}' must name a field"
        if len(value) > MAX_MESSAGE:
            return f"longer than {MAX_MESSAGE} characters"
    return None


def render(template: str, data: Mapping[str, Any]) -> str:
    """Fill ``{field}`` placeholders from ``data`` (no format mini-language, no attribute access)."""

    def one(m: re.Match[str]) -> str:
        value = data.get(m.group(1).strip(), "")
        return "" if value is None else str(value)

    return PLACEHOLDER_RE.sub(one, template)


# --------------------------------------------------------------------------- running
def run(
    instance: ProcessInstance, name: str, raw: str | Mapping[str, Any] | None, data: dict[str, Any]
) -> dict[str, Any]:
    """Run action ``name`` in a savepoint (the action's own, or the one :func:`runtime.guarded` set
    before the step); returns the data it sets. Raises :class:`ActionFailed`."""
    from yunying.workflow import runtime

    action = REGISTRY.get(name)
    if action is None:
        raise ActionFailed(_("未知的系统动作“%(name)s”。") % {"name": name})
    try:
        params = parse_params(raw)
    except ValueError as exc:
        raise ActionFailed(str(exc)) from None
    try:
        with nullcontext() if runtime.under_savepoint(instance) else transaction.atomic():
            return action.run(instance, params, data) or {}
    except ProcessError:
        raise
    except Exception as exc:  # an action's failure stops the step: nothing of it stays
        raise ActionFailed(
            _("系统动作“%(name)s”执行失败：%(msg)s") % {"name": name, "msg": f"{type(exc).__name__}: {exc}"}
        ) from exc


def _people(instance: ProcessInstance, rule: str, data: dict[str, Any]) -> list[Any]:
    res = assignment.resolve(
        rule,
        assignment.Context(
            requester=instance.requester,
            unit=instance.unit,
            data=data,
            definition_id=instance.definition_id,
            today=clock.today(),
        ),
    )
    return list(res.users)


@register(
    "notify",
    gettext_lazy("通知"),
    Param("to", "assignee", label=gettext_lazy("通知谁")),
    Param("message", "template", label=gettext_lazy("内容")),
)
def notify_action(instance: ProcessInstance, params: dict[str, str], data: dict[str, Any]) -> None:
    from yunying.workflow.notify import notify

    people = _people(instance, params["to"], data)
    message = render(params["message"], data)[:MAX_MESSAGE]
    notify(people, kind="system", message=message, instance=instance)


@register("cc", gettext_lazy("抄送"), Param("to", "assignee", label=gettext_lazy("抄送给")))
def cc_action(instance: ProcessInstance, params: dict[str, str], data: dict[str, Any]) -> None:
    step = str(data.get("_step_name") or _("系统"))[:200]
    for user in _people(instance, params["to"], data):
        CarbonCopy.objects.get_or_create(instance=instance, user=user, defaults={"step": step})


@register(
    "set",
    gettext_lazy("设置字段"),
    Param("field", "field", label=gettext_lazy("字段")),
    Param("value", "expression", label=gettext_lazy("表达式")),
)
def set_action(instance: ProcessInstance, params: dict[str, str], data: dict[str, Any]) -> dict[str, Any]:
    from yunying.workflow.forms_bridge import to_json

    try:
        value = evaluate(params["value"], {k: v for k, v in data.items() if not k.startswith("_")})
    except ExpressionError as exc:
        raise ActionFailed(
            _("表达式“%(expr)s”无法计算：%(msg)s") % {"expr": params["value"], "msg": exc}
        ) from None
    field = params["field"]
    instance.data = {**instance.data, **to_json({field: value})}
    return {field: value}


@register("archive", gettext_lazy("归档"), Param("note", "text", required=False, label=gettext_lazy("备注")))
def archive_action(instance: ProcessInstance, params: dict[str, str], data: dict[str, Any]) -> None:
    from yunying.workflow import runtime
    from yunying.workflow.forms_bridge import to_json

    instance.archived_at = timezone.now()
    snapshot = to_json({k: v for k, v in data.items() if not k.startswith("_")})
    runtime.event(
        instance,
        "archive",
        comment=params.get("note", ""),
        step=str(data.get("_step_name") or ""),
        data={"snapshot": snapshot, "form": dict(instance.data)},
    )


def step_handler(instance: ProcessInstance) -> Callable[[Any], dict[str, Any] | None]:
    """The engine's service handler for ``instance``: runs the step's action, records it."""
    from yunying.workflow import runtime

    def handle(info: Any) -> dict[str, Any] | None:
        props = info.properties
        name = props.get("yunying:action", "")
        raw = props.get("yunying:params", "")
        step_name = (info.name or info.element_id)[:200]
        data = {**info.data, "_step_name": step_name}
        runtime.before_writes(instance)  # inside runtime.guarded: its savepoint, from here on
        try:
            updates = run(instance, name, raw, data)
        except ProcessError as exc:
            raise ProcessError(
                _("系统步骤“%(step)s”失败：%(msg)s") % {"step": step_name, "msg": str(exc)},
                element_id=info.element_id,
            ) from exc
        runtime.event(
            instance,
            "system",
            step=step_name,
            data={
                "element": info.element_id,
                "action": name,
                "params": parse_params(raw),
                "set": sorted(updates),
            },
        )
        return updates

    return handle
