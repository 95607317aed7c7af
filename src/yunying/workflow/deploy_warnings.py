"""What a deploy tells besides refusals: the warnings a modeler must see before confirming.

* steps with no assignee rule, and where they will go (``workflow.empty_assignee_rule``);
* foreign assignees honoured: ``camunda:assignee`` / ``candidateUsers`` / ``candidateGroups`` (and
  Zeebe's) naming existing logins, positions or groups, and lanes named after positions, become the
  step's rule; the ones that name nobody are listed;
* foreign attributes and extension elements the engine ignores, each named (``camunda:dueDate`` that
  is not a duration, Spiff pre/post scripts, connectors, listeners ...);
* steps that complete by themselves (a plain ``bpmn:task``, a service or send task with no
  ``yunying:action``).

Reads the documents with lxml; the database only to look up logins, positions and groups."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import Group
from django.db.models import Q
from django.utils.translation import gettext as _

from yunying.accounts.models import User
from yunying.org.models import Position
from yunying.workflow import assignment
from yunying.workflow.engine import ParsedDefinition
from yunying.workflow.engine_support import CAMUNDA_NS, SPIFF_NS, YUNYING_NS, ZEEBE_NS
from yunying.workflow.engine_validate import BPMN_NS, local, ns

B = f"{{{BPMN_NS}}}"
_FOREIGN = {CAMUNDA_NS: "camunda", ZEEBE_NS: "zeebe", SPIFF_NS: "spiffworkflow"}
# Foreign attributes the engine reads (the others are named in the warnings).
_HONOURED_ATTRIBUTES = {
    "camunda:assignee",
    "camunda:candidateUsers",
    "camunda:candidateGroups",
    "camunda:decisionRef",
    "camunda:dueDate",  # an ISO duration only: checked below
    "camunda:formKey",  # a published form's key: see _foreign_forms
}
# Foreign extension elements the engine reads.
_HONOURED_ELEMENTS = {
    "properties",
    "property",
    "assignmentDefinition",
    "calledDecision",
    "calledDecisionId",
    "formDefinition",  # see _foreign_forms
}
_FORM_STEPS = ("userTask", "manualTask", "startEvent")
_FORM_ATTRIBUTES = ("camunda:formKey", "zeebe:formKey", "zeebe:formId")
_AUTOMATIC = ("task", "serviceTask", "sendTask")
_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$")


@dataclass
class DeployNotes:
    warnings: list[tuple[str, str]] = field(default_factory=list)
    rules: dict[str, str] = field(default_factory=dict)  # element id -> derived assignee rule
    forms: dict[str, str] = field(default_factory=dict)  # element id -> form key from camunda:formKey ...

    def warn(self, element_id: str, message: str) -> None:
        if (element_id, message) not in self.warnings:
            self.warnings.append((element_id, message))


def _processes(roots: Iterable[Any], defn: ParsedDefinition) -> list[Any]:
    used = {defn.process_id, *defn.subprocess_specs}
    return [p for r in roots for p in r.iter(f"{B}process") if p.get("id") in used]


def _name(node: Any) -> str:
    return str(node.get("name") or node.get("id") or "?")


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _lanes(process: Any) -> dict[str, str]:
    """Flow node id -> the name of the innermost lane holding it."""
    out: dict[str, str] = {}
    for lane in process.iter(f"{B}lane"):
        for ref in lane.findall(f"{B}flowNodeRef"):
            if ref.text and lane.get("name"):
                out[ref.text.strip()] = str(lane.get("name")).strip()
    return out


class _Directory:
    """Logins, positions (by code or name) and groups named in the documents, looked up at once."""

    def __init__(self, names: set[str]) -> None:
        self.logins = set(
            User.objects.filter(username__in=names, is_active=True).values_list("username", flat=True)
        )
        self.positions = {
            key: code
            for code, pname in Position.objects.filter(Q(code__in=names) | Q(name__in=names)).values_list(
                "code", "name"
            )
            for key in (code, pname)
        }
        self.groups = set(Group.objects.filter(name__in=names).values_list("name", flat=True))


def _foreign_assignee(props: dict[str, str]) -> tuple[str, list[str], list[str]]:
    """(assignee, candidate users, candidate groups) as a Camunda or Zeebe modeler wrote them."""
    assignee = props.get("camunda:assignee") or props.get("zeebe:assignee") or ""
    users = _split(props.get("camunda:candidateUsers") or props.get("zeebe:candidateUsers"))
    groups = _split(props.get("camunda:candidateGroups") or props.get("zeebe:candidateGroups"))
    return assignee.strip(), users, groups


def deploy_notes(defn: ParsedDefinition, roots: list[Any]) -> DeployNotes:
    """Warnings for ``defn`` (parsed from ``roots``), and the assignee rules derived from foreign
    attributes and lanes (apply them with :meth:`ParsedDefinition.set_property`)."""
    notes = DeployNotes()
    processes = _processes(roots, defn)
    lanes: dict[str, str] = {}
    for process in processes:
        lanes.update(_lanes(process))
    wanted: set[str] = set(lanes.values())
    for task in defn.user_tasks:
        assignee, users, groups = _foreign_assignee(task.properties)
        wanted |= {assignee, *users, *groups} - {""}
    directory = _Directory(wanted)
    empty = assignment.empty_rule({})
    for task in defn.user_tasks:
        props = task.properties
        rule = props.get("yunying:assignee") or props.get("assignee") or ""
        if rule:
            if _names_nobody_now(rule):
                if_empty = props.get("yunying:ifEmpty") or props.get("ifEmpty") or empty
                notes.warn(
                    task.id,
                    _("步骤“%(step)s”的处理人规则“%(rule)s”目前找不到任何人：到达时%(where)s。")
                    % {"step": task.name or task.id, "rule": rule, "where": where_of(if_empty)},
                )
            continue
        rule = _derive(task.id, props, lanes.get(task.id), directory, notes)
        if rule:
            notes.rules[task.id] = rule
            continue
        if_empty = props.get("yunying:ifEmpty") or props.get("ifEmpty") or empty
        notes.warn(
            task.id,
            _("步骤“%(step)s”没有处理人规则：到达时%(where)s。")
            % {"step": task.name or task.id, "where": where_of(if_empty)},
        )
    for process in processes:
        _foreign_and_automatic(process, notes)
        _foreign_forms(process, notes)
    return notes


def _foreign_forms(process: Any, notes: DeployNotes) -> None:
    """``camunda:formKey`` / Zeebe's ``formDefinition`` (``formKey``, ``formId``) on a step or start
    event: the key of a published Yunying form becomes the step's form (``yunying:form``); any other
    value (an embedded HTML form, a Camunda form file, a Zeebe user task form) is named in a warning —
    the step will have no form unless ``yunying:form`` gives one."""
    from yunying.workflow import forms_bridge
    from yunying.workflow.engine_validate import element_properties

    for node in process.iter(*(f"{B}{kind}" for kind in _FORM_STEPS)):
        eid = node.get("id")
        props = element_properties(node)
        found = [(k, props[k].strip()) for k in _FORM_ATTRIBUTES if props.get(k, "").strip()]
        if not eid or not found:
            continue
        attr, key = found[0]
        if not forms_bridge.StepForm.of(props).empty:
            notes.warn(
                eid,
                _("已忽略 %(attr)s=“%(key)s”：步骤已用 yunying:form / yunying:fields 指定表单。")
                % {"attr": attr, "key": key[:80]},
            )
        elif forms_bridge.form_version(key) is not None:
            notes.forms[eid] = key
            notes.warn(eid, _("按 %(attr)s 使用已发布的表单“%(key)s”。") % {"attr": attr, "key": key})
        else:
            notes.warn(
                eid,
                _(
                    "%(attr)s=“%(key)s”不是已发布的运营中台表单的标识，步骤“%(step)s”将没有表单"
                    "（请用 yunying:form 指定已发布表单的标识）。"
                )
                % {"attr": attr, "key": key[:80], "step": _name(node)},
            )


def _names_nobody_now(rule: str) -> bool:
    """The rule names fixed people or positions only (``user:…``, ``position:…``), and none of them
    is there today: the step would run with nobody. Rules that depend on the request are not judged."""
    from yunying.org.models import Appointment

    for alt in (a.strip() for a in rule.split("|") if a.strip()):
        kind, _sep, arg = alt.partition(":")
        names = [n.strip() for n in arg.split(",") if n.strip()]
        if kind == "user" and names:
            named = Q(username__in=names) | Q(employee__employee_no__in=names)
            if User.objects.filter(named, is_active=True).exists():
                return False
        elif kind == "position" and arg.strip():
            code, _at, unit_code = arg.strip().partition("@")
            seats = Appointment.objects.active().filter(position__code=code)
            if (seats.filter(unit__code=unit_code) if unit_code else seats).exists():
                return False
        else:
            return False
    return True


def where_of(rule: str) -> str:
    return {"head": _("转给管理部负责人"), "skip": _("自动跳过这一步"), "stop": _("流程停止并告警")}.get(
        rule, rule
    )


def _derive(
    element_id: str, props: dict[str, str], lane: str | None, directory: _Directory, notes: DeployNotes
) -> str:
    """The rule a step's foreign assignee attributes (or its lane) name; unresolvable names warned."""
    assignee, users, groups = _foreign_assignee(props)
    alternatives: list[str] = []
    unresolved: list[str] = []
    if assignee:
        if assignee in directory.logins:
            alternatives.append(f"user:{assignee}")
        elif assignee in directory.positions:
            alternatives.append(f"position:{directory.positions[assignee]}")
        else:
            unresolved.append(f"assignee '{assignee}'")
    known_users = [u for u in users if u in directory.logins]
    unresolved += [f"candidateUsers '{u}'" for u in users if u not in directory.logins]
    if known_users:
        alternatives.append("user:" + ",".join(known_users))
    for group in groups:
        if group in directory.positions:
            alternatives.append(f"position:{directory.positions[group]}")
        elif group in directory.groups:
            alternatives.append(f"queue:group:{group}")
        else:
            unresolved.append(f"candidateGroups '{group}'")
    if not alternatives and lane:
        if lane in directory.positions:
            alternatives.append(f"position:{directory.positions[lane]}")
        elif not (assignee or users or groups):
            unresolved.append(f"lane '{lane}'")
    if unresolved:
        notes.warn(
            element_id,
            _("无法对应到登录名、岗位或用户组，已忽略：%(list)s") % {"list": ", ".join(unresolved)},
        )
    rule = "|".join(dict.fromkeys(alternatives))
    if rule:
        notes.warn(element_id, _("按外部属性或泳道确定处理人：%(rule)s") % {"rule": rule})
    return rule


def _foreign_and_automatic(process: Any, notes: DeployNotes) -> None:
    for node in process.iter():
        if not isinstance(node.tag, str) or ns(node.tag) != BPMN_NS:
            continue
        eid = node.get("id")
        if not eid:
            continue
        kind = local(node.tag)
        for attr, value in node.attrib.items():
            prefix = _FOREIGN.get(ns(attr))
            if prefix is None:
                continue
            name = f"{prefix}:{local(attr)}"
            if name == "camunda:dueDate" and _DURATION.match(value.strip()):
                continue
            if name in _HONOURED_ATTRIBUTES and name != "camunda:dueDate":
                continue
            notes.warn(eid, _("已忽略的属性：%(name)s=“%(value)s”") % {"name": name, "value": value[:80]})
        ext = node.find(f"{B}extensionElements")
        if ext is not None:
            for child in ext:
                if not isinstance(child.tag, str) or ns(child.tag) == YUNYING_NS:
                    continue
                prefix = _FOREIGN.get(ns(child.tag), ns(child.tag) or "?")
                if local(child.tag) in _HONOURED_ELEMENTS:
                    continue
                notes.warn(eid, _("已忽略的扩展元素：%(name)s") % {"name": f"{prefix}:{local(child.tag)}"})
        if kind in _AUTOMATIC and not node.get(f"{{{YUNYING_NS}}}action") and not _has_action(node):
            notes.warn(
                eid,
                _("步骤“%(step)s”（%(kind)s）没有处理人，会自动完成；要人处理请改为用户任务。")
                % {"step": _name(node), "kind": f"bpmn:{kind}"},
            )


def _has_action(node: Any) -> bool:
    for prop in node.iter():
        if (
            isinstance(prop.tag, str)
            and local(prop.tag) == "property"
            and prop.get("name")
            in (
                "yunying:action",
                "action",
            )
        ):
            return True
    return False
