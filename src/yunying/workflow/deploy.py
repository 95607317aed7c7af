"""Deploying a BPMN diagram: check everything first, then store a new version — or nothing at all."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yunying.core.errors import DomainError, PermissionDenied
from yunying.org.models import OrgUnit, Position
from yunying.workflow import assignment, forms_bridge, sla, summary, system_actions
from yunying.workflow.deploy_choices import choice_problems
from yunying.workflow.deploy_names import unknown_names
from yunying.workflow.deploy_warnings import deploy_notes
from yunying.workflow.engine import (
    EngineError,
    InvalidExpressions,
    ParsedDefinition,
    UnsupportedElements,
    parse_definition,
    process_candidates,
)
from yunying.workflow.errors import DeployRefused
from yunying.workflow.messages import correlation_keys
from yunying.workflow.models import PROCESS_ICONS, ProcessDefinition, ProcessVersion

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,63}$")
MAX_BPMN_BYTES = 2 * 1024 * 1024
DEPLOY_PERMISSION = "workflow.deploy_process"


def can_deploy(user: Any) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.has_perm(DEPLOY_PERMISSION)))


def _decode(data: bytes | str) -> tuple[bytes, str]:
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    try:
        return raw, raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DeployRefused(_("BPMN 文件不是 UTF-8 编码的 XML。")) from None


def _parse(
    bpmn: bytes,
    dmn_files: list[bytes],
    *,
    bpmn_files: list[bytes] | None = None,
    process_id: str | None = None,
) -> ParsedDefinition:
    try:
        return parse_definition(bpmn, dmn_files=dmn_files, bpmn_files=bpmn_files or (), process_id=process_id)
    except UnsupportedElements as exc:
        raise DeployRefused(
            _("流程图包含引擎无法执行的元素：%(list)s")
            % {"list": ", ".join(f"{eid} ({etype})" for eid, etype in exc.elements)},
            elements=exc.elements,
            problems=exc.expressions,
            reasons=exc.reasons,
        ) from None
    except InvalidExpressions as exc:
        raise DeployRefused(
            _("流程图中的表达式无法通过检查：%(list)s")
            % {"list": "; ".join(f"{eid}: {msg}" for eid, msg in exc.problems)},
            problems=exc.problems,
        ) from None
    except EngineError as exc:
        raise DeployRefused(
            _("流程图无法部署：%(msg)s") % {"msg": exc.message}, elements=exc.details
        ) from None


def _root(raw: bytes) -> Any:
    from lxml import etree

    return etree.fromstring(raw, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False))


def _holds_process(raw: bytes, process_id: str) -> bool:
    from lxml import etree

    from yunying.workflow.engine_validate import BPMN_NS

    try:
        root = etree.fromstring(raw, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return False  # refused with its message by the parse
    return any(p.get("id") == process_id for p in root.iter(f"{{{BPMN_NS}}}process"))


@dataclass(frozen=True)
class ProcessChoice:
    """A process of a diagram the deploy can be told to run (``process``)."""

    id: str
    name: str
    executable: bool  # False: marked not executable, runs only when called


def process_choices(bpmn: bytes | str) -> list[ProcessChoice]:
    """The processes a deploy of ``bpmn`` must choose among, executable ones first, then those only
    called; [] when the deploy finds its process by itself (or cannot read the file: it says why)."""
    from lxml import etree

    from yunying.workflow.engine_validate import BPMN_NS

    raw = bpmn.encode("utf-8") if isinstance(bpmn, str) else bpmn
    try:
        root = etree.fromstring(raw, etree.XMLParser(resolve_entities=False, no_network=True))
    except (etree.XMLSyntaxError, ValueError):
        return []
    processes = {str(p.get("id")): p for p in root.iter(f"{{{BPMN_NS}}}process") if p.get("id")}
    candidates = set(process_candidates(processes))
    if not candidates:
        return []
    choices = [
        ProcessChoice(pid, str(node.get("name") or ""), node.get("isExecutable") != "false")
        for pid, node in processes.items()
    ]
    return sorted(choices, key=lambda c: c.id not in candidates)


def _start_event_id(raw: bytes, process_id: str) -> str:
    """The id of the chosen process's plain start event (its properties carry the start form)."""
    from lxml import etree

    from yunying.workflow.engine_validate import BPMN_NS

    root = etree.fromstring(raw, etree.XMLParser(resolve_entities=False, no_network=True))
    for process in root.iter(f"{{{BPMN_NS}}}process"):
        if process.get("id") != process_id:
            continue
        for start in process.findall(f"{{{BPMN_NS}}}startEvent"):
            if not [c for c in start if isinstance(c.tag, str) and c.tag.endswith("EventDefinition")]:
                return str(start.get("id") or "")
    return ""


def _starters(model: Any, codes: Iterable[str] | None, field: str, missing: str) -> list[Any] | None:
    """The rows named by ``codes`` (None: leave the stored ones as they are)."""
    if codes is None:
        return None
    wanted = list(dict.fromkeys(c.strip() for c in codes if c and c.strip()))
    found = {row.code: row for row in model.objects.filter(code__in=wanted)}
    for code in wanted:
        if code not in found:
            raise DomainError(missing % {"code": code}, field=field)
    return [found[c] for c in wanted]


def definition_check(defn: ParsedDefinition) -> list[tuple[str, str]]:
    """Yunying-level checks the engine does not know: assignee rules and form keys of each step."""
    problems: list[tuple[str, str]] = []
    for element_id, props in defn.properties.items():
        for key in ("yunying:assignee", "assignee", "yunying:cc", "cc"):
            if key in props:
                problem = assignment.check_rule(props[key])
                if problem:
                    problems.append((element_id, f"{key} '{props[key]}': {problem}"))
        for key in ("yunying:form", "form"):
            if key in props:
                problem = forms_bridge.check_form_key(props[key])
                if problem:
                    problems.append((element_id, problem))
        for key in ("yunying:fields", "fields"):
            if key in props:
                problem = forms_bridge.check_inline_fields(props[key])
                if problem:
                    problems.append((element_id, problem))
        if "yunying:action" in props or "yunying:params" in props:
            problem = system_actions.check(props.get("yunying:action", ""), props.get("yunying:params"))
            if problem:
                problems.append((element_id, f"yunying:action: {problem}"))
        problems += [(element_id, problem) for problem in sla.check_step(props)]
        problems += [(element_id, f"yunying:summary: {problem}") for problem in summary.check(props)]
        on_reject = props.get("yunying:onReject") or props.get("onReject")
        if on_reject and on_reject not in ("end", "route"):
            problems.append(
                (element_id, f"onReject '{on_reject}' must be 'end' (驳回 ends the request) or 'route'")
            )
        if_empty = props.get("yunying:ifEmpty") or props.get("ifEmpty")
        if if_empty and if_empty not in assignment.EMPTY_RULES:
            problems.append(
                (element_id, f"ifEmpty '{if_empty}' must be one of {', '.join(assignment.EMPTY_RULES)}")
            )
    return problems


def definition_deploy(
    *,
    actor: Any,
    key: str,
    name: str,
    bpmn_xml: bytes,
    category: str = "",
    description: str = "",
    dmn_files: list[bytes] | None = None,
    icon: str = "",
    starter_positions: Iterable[str] | None = None,
    starter_units: Iterable[str] | None = None,
    bpmn_files: list[bytes] | None = None,
    process_id: str | None = None,
    dry_run: bool = False,
) -> ProcessVersion:
    """Check the diagram (and DMN tables) and store it as the next version of ``key``.

    A whole deployment: ``bpmn_files`` are further BPMN documents (processes that call activities
    name, in any of them); ``process_id`` chooses the process to run when a file holds several (it
    may live in any uploaded file: that file becomes the version's diagram). The version's
    ``spec["warnings"]`` lists ``(element id, message)`` a modeler must see (see
    :mod:`yunying.workflow.deploy_warnings`); ``dry_run`` checks everything and stores nothing (the
    version returned is not saved).

    The process type's settings come along: ``category``, ``description`` and ``icon`` (a key of
    ``PROCESS_ICONS``; empty values keep what is stored), and who may start it — ``starter_positions`` /
    ``starter_units`` (codes; ``None`` keeps what is stored, an empty list lets everyone start it).

    Raises :class:`DeployRefused` with the engine's precise lists; nothing is stored on failure.
    ``actor=None`` is the system (the shipped processes loaded by ``yunying seed``)."""
    if actor is not None and not can_deploy(actor):  # None: the system itself (seed)
        raise PermissionDenied(_("您没有部署流程的权限。"))
    key = (key or "").strip()
    name = (name or "").strip()
    if not KEY_RE.match(key):
        raise DomainError(
            _("流程标识只能包含小写字母、数字、- 和 _，长度 2–64，以字母或数字开头。"), field="key"
        )
    if not name:
        raise DomainError(_("请填写流程名称。"), field="name")
    if not bpmn_xml:
        raise DeployRefused(_("没有上传 BPMN 文件。"))
    for document in [bpmn_xml, *(bpmn_files or []), *(dmn_files or [])]:
        if len(document) > MAX_BPMN_BYTES:
            raise DeployRefused(_("BPMN 文件过大（上限 2 MB）。"))
    if icon and icon not in PROCESS_ICONS:
        raise DomainError(_("图标“%(icon)s”不可用。") % {"icon": icon}, field="icon")
    positions = _starters(Position, starter_positions, "starter_positions", _("找不到岗位“%(code)s”。"))
    units = _starters(OrgUnit, starter_units, "starter_units", _("找不到单位“%(code)s”。"))
    process_id = (process_id or "").strip() or None
    documents = [_decode(d) for d in [bpmn_xml, *(bpmn_files or [])]]
    if process_id is not None:  # the file holding the chosen process is the version's diagram
        documents.sort(key=lambda d: not _holds_process(d[0], process_id))
    (raw, text), others = documents[0], documents[1:]
    dmn_raw = [_decode(d) for d in (dmn_files or [])]
    defn = _parse(raw, [r for r, _t in dmn_raw], bpmn_files=[r for r, _t in others], process_id=process_id)
    start_event = _start_event_id(raw, defn.process_id)
    roots = [_root(r) for r in [raw, *(r for r, _t in others)]]
    notes = deploy_notes(defn, roots)
    for element_id, rule in notes.rules.items():
        defn.set_property(element_id, "yunying:assignee", rule)
    for element_id, form_key in notes.forms.items():
        defn.set_property(element_id, "yunying:form", form_key)
    message_keys, key_problems = correlation_keys(roots)
    problems = definition_check(defn) + key_problems
    problems += choice_problems(roots, defn)
    problems += unknown_names(
        raw, defn.process_id, start_event, dmn_files=[r for r, _t in dmn_raw], forms=notes.forms
    )
    if problems:
        raise DeployRefused(
            _("流程图的设置有误：%(list)s") % {"list": "; ".join(f"{eid}: {msg}" for eid, msg in problems)},
            problems=problems,
        )
    spec = defn.to_dict()
    spec["start_event"] = start_event
    spec["warnings"] = [list(w) for w in notes.warnings]
    spec["message_keys"] = message_keys
    if dry_run:  # checked, not stored: what a deploy would give (the designer's confirmation)
        found = ProcessDefinition.objects.filter(key=key).first()
        last = found.versions.order_by("-number").values_list("number", flat=True).first() if found else None
        return ProcessVersion(
            definition=found or ProcessDefinition(key=key, name=name),
            number=(last or 0) + 1,
            process_id=defn.process_id,
            bpmn_xml=text,
            spec=spec,
        )
    with transaction.atomic():
        definition, created = ProcessDefinition.objects.select_for_update(of=("self",)).get_or_create(
            key=key,
            defaults={
                "name": name,
                "category": category,
                "description": description,
                "icon": icon or "git-branch",
                "created_by": actor,
            },
        )
        if not created:
            definition.name = name
            if category:
                definition.category = category
            if description:
                definition.description = description
            if icon:
                definition.icon = icon
            definition.save(update_fields=["name", "category", "description", "icon", "updated_at"])
        if positions is not None:
            definition.starter_positions.set(positions)
        if units is not None:
            definition.starter_units.set(units)
        last = definition.versions.order_by("-number").values_list("number", flat=True).first() or 0
        return ProcessVersion.objects.create(
            definition=definition,
            number=last + 1,
            process_id=defn.process_id,
            bpmn_xml=text,
            dmn_xml=[t for _r, t in dmn_raw],
            bpmn_extra=[t for _r, t in others],
            spec=spec,
            deployed_by=actor,
        )
