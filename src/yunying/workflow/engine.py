"""Yunying's BPMN/DMN engine facade over SpiffWorkflow 3.x (the only module family importing it).

Typical use by the Django layer::

    defn = parse_definition(xml_bytes, dmn_files=[dmn_bytes])   # once per uploaded version
    stored = defn.to_dict()                                     # JSON-able; keep it with the version
    defn = load_definition(stored)                              # later, without the XML

    inst = start_instance(defn, {"amount": 250})                # runs until it waits
    for t in inst.ready_user_tasks(): ...
    inst.complete_task(task_id, {"approved": True})
    state = dump_state(inst)                                    # JSON-able, spec not embedded
    inst = load_state(defn, state)

Expressions anywhere in a diagram are evaluated by ``yunying.core.expressions``; Python is never run.
No Django imports.
"""

from __future__ import annotations

import copy
import gc
import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import (
    ErrorEventDefinition,
    EscalationEventDefinition,
)
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.manual_task import ManualTask
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.dmn.specs.business_rule_task_mixin import BusinessRuleTaskMixin
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from yunying.core.expressions import Clock, ExpressionError
from yunying.workflow.engine_support import RestrictedScriptEngine, YunyingBpmnParser, make_serializer
from yunying.workflow.engine_validate import (
    BPMN_NS,
    COLLABORATION_UNSUPPORTED,
    Findings,
    check_dmn,
    check_process,
    element_properties,
    iter_flow_nodes,
    local,
)

__all__ = [
    "EngineError",
    "EngineInstance",
    "InvalidExpressions",
    "ParsedDefinition",
    "RestrictedScriptEngine",
    "RunAway",
    "TaskInfo",
    "UnsupportedElements",
    "UserTaskDef",
    "dump_state",
    "load_definition",
    "load_state",
    "parse_definition",
    "start_instance",
]

STATE_FORMAT = 1
_SERIALIZER = make_serializer()
_STATE_SERIALIZER = make_serializer()  # used by dump_state only, under _STATE_LOCK (encoder mode is global)
_STATE_LOCK = threading.Lock()


class EngineError(Exception):
    """Anything the engine refuses or cannot do. ``details`` lists ``(element_id, element_type)`` if known."""

    def __init__(self, message: str, details: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.details = list(details)


class UnsupportedElements(EngineError):
    """The diagram uses elements the engine cannot execute; ``elements`` lists all of them."""

    def __init__(
        self,
        elements: list[tuple[str, str]],
        reasons: dict[str, str] | None = None,
        expressions: list[tuple[str, str]] | None = None,
    ) -> None:
        self.elements = elements
        self.reasons = reasons or {}
        self.expressions = expressions or []  # invalid expressions found in the same pass, if any
        listing = ", ".join(f"{eid} ({etype})" for eid, etype in elements)
        super().__init__(f"the engine cannot execute: {listing}", elements)


class RunAway(EngineError):
    """More automatic steps in one go than the instance's limit (a loop that never waits for people)."""

    def __init__(self, limit: int, element_id: str = "") -> None:
        self.limit = limit
        where = f" (last at '{element_id}')" if element_id else ""
        super().__init__(
            f"more than {limit} automatic steps in one action{where}; the diagram seems to loop without waiting",
            [(element_id, "task")] if element_id else [],
        )


class InvalidExpressions(EngineError):
    """Conditions, timers, scripts or DMN cells the evaluator refuses: ``(element_id, message)``."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        listing = "; ".join(f"{eid}: {msg}" for eid, msg in problems)
        super().__init__(f"invalid expressions: {listing}", [(eid, "expression") for eid, _ in problems])


@dataclass(frozen=True)
class UserTaskDef:
    id: str
    name: str | None
    process_id: str
    properties: dict[str, str]
    multi_instance: bool = False
    lane: str | None = None


@dataclass
class ParsedDefinition:
    """A deployable process: the parsed spec plus its JSON-able serialisation (store it once per version)."""

    process_id: str
    process_name: str | None
    spec: Any
    subprocess_specs: dict[str, Any]
    spec_dict: dict[str, Any]  # {"spec": ..., "subprocess_specs": {...}}; JSON-able
    user_tasks: list[UserTaskDef] = field(default_factory=list)
    properties: dict[str, dict[str, str]] = field(default_factory=dict)  # element id -> extension properties
    start_event: str = ""  # the start event's element id, when the stored form names it (deploy does)
    message_keys: dict[str, str] = field(default_factory=dict)  # message name -> correlation data name

    @property
    def shares_specs(self) -> bool:
        """Instances may run on these spec objects as they are (restored without copying them).

        Spiff changes a spec at run time in one case only: an event sub-process with a message or
        signal start connects itself on its first trigger. Such definitions get private copies."""
        specs = [self.spec, *self.subprocess_specs.values()]
        return not any(getattr(getattr(s, "start", None), "trigger_specs", None) for s in specs)

    def set_property(self, element_id: str, key: str, value: str) -> None:
        """Add an extension property to a step after parsing (e.g. an assignee rule the deploy
        derived from a foreign attribute): in :attr:`properties`, the live specs and their dict."""
        self.properties.setdefault(element_id, {})[key] = value
        for spec in [self.spec, *self.subprocess_specs.values()]:
            for ts in spec.task_specs.values():
                if getattr(ts, "bpmn_id", None) == element_id:
                    ts.extensions = {**(getattr(ts, "extensions", None) or {}), key: value}
        for spec_dict in [self.spec_dict["spec"], *self.spec_dict["subprocess_specs"].values()]:
            for ts_dict in spec_dict.get("task_specs", {}).values():
                if ts_dict.get("bpmn_id") == element_id:
                    ts_dict["extensions"] = {**(ts_dict.get("extensions") or {}), key: value}
        self.user_tasks = [
            UserTaskDef(t.id, t.name, t.process_id, {**t.properties, key: value}, t.multi_instance, t.lane)
            if t.id == element_id
            else t
            for t in self.user_tasks
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": STATE_FORMAT,
            "process_id": self.process_id,
            "process_name": self.process_name,
            "spec": self.spec_dict["spec"],
            "subprocess_specs": self.spec_dict["subprocess_specs"],
            "user_tasks": [vars(t) for t in self.user_tasks],
            "properties": self.properties,
        }


@dataclass(frozen=True)
class TaskInfo:
    id: str  # task uuid, as text
    element_id: str  # the BPMN element id (spec bpmn_id)
    name: str | None
    properties: dict[str, str]
    data: dict[str, Any]
    lane: str | None = None
    instance_index: int | None = None  # position in a multi-instance (countersign) activity, if any

    def prop(self, key: str) -> str | None:
        """Look up ``yunying:<key>``, then ``<key>``, then the Camunda/Zeebe spelling of form/assignee/due."""
        aliases = {
            "form": ("camunda:formKey", "zeebe:formKey"),
            "assignee": ("camunda:assignee", "zeebe:assignee"),
            "due": ("camunda:dueDate", "zeebe:dueDate"),
        }
        for k in (f"yunying:{key}", key, *aliases.get(key, ())):
            if k in self.properties:
                return self.properties[k]
        return None


# --------------------------------------------------------------------------- parsing
def _xml(data: bytes, what: str) -> Any:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise EngineError(f"malformed {what} XML: {exc.msg} (line {exc.lineno})") from None
    except (ValueError, TypeError) as exc:
        raise EngineError(f"malformed {what} XML: {exc}") from None
    return root


def process_candidates(processes: dict[str, Any]) -> list[str]:
    """Ids of the processes a deploy must be told to choose among (``process``); [] when the file's
    process is found without a choice (a single process, or a single one marked executable)."""
    executable = [p for p, node in processes.items() if node.get("isExecutable") == "true"]
    if len(executable) == 1 or len(processes) < 2:
        return []
    if not executable and all(node.get("isExecutable") == "false" for node in processes.values()):
        return []  # refused whatever is chosen: a diagram only
    return executable or list(processes)


def _pick_process(processes: dict[str, Any], process_id: str | None) -> str:
    if process_id is not None:
        if process_id not in processes:
            raise EngineError(
                f"process '{process_id}' not found; the file has: {', '.join(processes) or 'none'}",
                [(p, "process") for p in processes],
            )
        return process_id
    if not processes:
        raise EngineError("the file contains no bpmn:process")
    executable = [p for p, node in processes.items() if node.get("isExecutable") == "true"]
    if len(executable) == 1:
        return executable[0]
    if len(processes) == 1:
        return next(iter(processes))
    if not executable and all(node.get("isExecutable") == "false" for node in processes.values()):
        raise EngineError(
            f"none of the {len(processes)} processes is marked executable (diagram only): "
            + ", ".join(processes),
            [(p, "process") for p in processes],
        )
    candidates = process_candidates(processes)
    raise EngineError(
        f"the file has {len(candidates)} candidate processes; choose one of: {', '.join(candidates)}",
        [(p, "process") for p in candidates],
    )


def parse_definition(
    bpmn_xml: bytes,
    *,
    dmn_files: Sequence[bytes] = (),
    process_id: str | None = None,
    bpmn_files: Sequence[bytes] = (),
) -> ParsedDefinition:
    """Parse, check and build a deployable definition; raises EngineError (or a subclass) with details.

    ``bpmn_files`` may hold further BPMN documents whose processes are targets of call activities.
    The cyclic garbage collector pauses meanwhile: parsing makes tens of thousands of long-lived
    objects for a large diagram, and collecting them over and over took a third of the time.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _parse_definition(bpmn_xml, dmn_files=dmn_files, process_id=process_id, bpmn_files=bpmn_files)
    finally:
        if enabled:
            gc.enable()


def _parse_definition(
    bpmn_xml: bytes,
    *,
    dmn_files: Sequence[bytes],
    process_id: str | None,
    bpmn_files: Sequence[bytes],
) -> ParsedDefinition:
    roots = [_xml(bpmn_xml, "BPMN")] + [_xml(b, "BPMN") for b in bpmn_files]
    for root in roots:
        if root.tag != f"{{{BPMN_NS}}}definitions":
            raise EngineError(f"not a BPMN 2.0 document: root element is '{local(root.tag)}'")
    dmn_roots = [_xml(d, "DMN") for d in dmn_files]
    decisions = {d.get("id"): d for r in dmn_roots for d in r.iter("{*}decision") if d.get("id")}

    processes = {p.get("id"): p for p in roots[0].iter(f"{{{BPMN_NS}}}process") if p.get("id")}
    all_processes = {p.get("id"): p for r in roots for p in r.iter(f"{{{BPMN_NS}}}process") if p.get("id")}
    chosen = _pick_process(processes, process_id)

    # The chosen process and, transitively, the processes its call activities name.
    findings = Findings()
    used, todo = [], [chosen]
    while todo:
        pid = todo.pop()
        if pid in used:
            continue
        used.append(pid)
        for call in all_processes[pid].iter(f"{{{BPMN_NS}}}callActivity"):
            target = call.get("calledElement")
            if target in all_processes:
                todo.append(target)
            else:
                findings.refuse(
                    call.get("id") or "?",
                    "callActivity",
                    f"called process '{target}' is not in the uploaded files",
                )
    for root in roots:  # choreographies and conversations live outside processes
        for node in root.iter(*(f"{{{BPMN_NS}}}{tag}" for tag in COLLABORATION_UNSUPPORTED)):
            findings.refuse(node.get("id") or "?", local(node.tag), f"{local(node.tag)} is not executed")
    for pid in used:
        check_process(all_processes[pid], findings, decisions)
        for node in all_processes[pid].iter():
            if node.get("isForCompensation") == "true":
                findings.refuse(node.get("id") or "?", local(node.tag), "compensation is not supported")
    check_dmn(decisions, findings)
    if findings.unsupported:
        raise UnsupportedElements(findings.unsupported, findings.reasons, findings.expressions)
    if findings.expressions:
        raise InvalidExpressions(findings.expressions)
    if processes[chosen].get("isExecutable") == "false":  # checked last: the element report is more useful
        raise EngineError(
            f"process '{chosen}' is marked isExecutable=\"false\" (diagram only)", [(chosen, "process")]
        )

    parser = YunyingBpmnParser()
    try:
        for i, root in enumerate(roots):
            parser.add_bpmn_xml(root, filename=f"document-{i}.bpmn")
        for i, root in enumerate(dmn_roots):
            parser.add_dmn_xml(root, filename=f"decision-{i}.dmn")
        spec = parser.get_spec(chosen)
        subprocess_specs = parser.get_subprocess_specs(chosen)
    except ValidationException as exc:
        details = [(exc.id, exc.tag.replace("bpmn:", ""))] if getattr(exc, "id", "") else []
        where = f" at {exc.id} ({exc.tag})" if getattr(exc, "id", "") else ""
        raise EngineError(f"cannot build the process{where}: {exc}", details) from None
    except (SpiffWorkflowException, KeyError, ValueError, AttributeError, TypeError, AssertionError) as exc:
        raise EngineError(f"cannot build the process: {type(exc).__name__}: {exc}") from None

    props: dict[str, dict[str, str]] = {}
    user_tasks: list[UserTaskDef] = []
    for pid in used:
        for node in iter_flow_nodes(all_processes[pid]):
            p = element_properties(node)
            if p:
                props[node.get("id")] = p
            if local(node.tag) == "userTask":
                user_tasks.append(
                    UserTaskDef(
                        id=node.get("id"),
                        name=node.get("name"),
                        process_id=pid,
                        properties=p,
                        multi_instance=node.find(f"{{{BPMN_NS}}}multiInstanceLoopCharacteristics")
                        is not None,
                    )
                )
    for s in [spec, *subprocess_specs.values()]:
        if s is None:
            continue
        for ts in s.task_specs.values():
            if getattr(ts, "bpmn_id", None) in props:
                ts.extensions = dict(props[ts.bpmn_id])
    spec_dict = {
        "spec": _SERIALIZER.to_dict(spec),
        "subprocess_specs": {k: _SERIALIZER.to_dict(v) for k, v in subprocess_specs.items() if v is not None},
    }
    json.dumps(spec_dict)  # fail here, not in the Django layer, if anything is not JSON-able
    return ParsedDefinition(
        chosen,
        processes[chosen].get("name"),
        spec,
        {k: v for k, v in subprocess_specs.items() if v is not None},
        spec_dict,
        user_tasks,
        props,
    )


def load_definition(stored: dict[str, Any]) -> ParsedDefinition:
    """Rebuild a :class:`ParsedDefinition` from :meth:`ParsedDefinition.to_dict` output (no XML needed)."""
    spec_dict = {"spec": stored["spec"], "subprocess_specs": stored.get("subprocess_specs", {})}
    spec = _SERIALIZER.from_dict(copy.deepcopy(spec_dict["spec"]))
    subs = {k: _SERIALIZER.from_dict(copy.deepcopy(v)) for k, v in spec_dict["subprocess_specs"].items()}
    return ParsedDefinition(
        stored["process_id"],
        stored.get("process_name"),
        spec,
        subs,
        spec_dict,
        [UserTaskDef(**t) for t in stored.get("user_tasks", [])],
        stored.get("properties", {}),
        stored.get("start_event", ""),
        dict(stored.get("message_keys") or {}),
    )


# --------------------------------------------------------------------------- running
# What Spiff (or an evaluator under it) may raise besides its own exceptions: caught at each engine
# step so that one instance fails, never the request or the worker.
_INTERNAL_ERRORS = (
    KeyError,
    TypeError,
    ValueError,
    AttributeError,
    IndexError,
    ZeroDivisionError,
    RecursionError,
    ArithmeticError,
)


def _logged_kind(spec: Any) -> str | None:
    if isinstance(spec, BusinessRuleTaskMixin):
        return "decision"
    if isinstance(spec, ScriptTask):
        return "script"
    if isinstance(getattr(spec, "event_definition", None), TimerEventDefinition):
        return "timer"
    return None


_STATE_PRIORITY = ["ERROR", "READY", "WAITING", "COMPLETED", "CANCELLED"]


def _instance_index(internal: dict[str, Any]) -> int | None:
    """A multi-instance part's position: its index, or (a sequential part over a cardinality) its item."""
    index = internal.get("key_or_index", internal.get("item"))
    return index if isinstance(index, int) and not isinstance(index, bool) else None


# Runs a system step (a service task with ``yunying:action``) just before the engine completes it;
# returns data to merge into the step's data (or None). What it raises leaves the engine as it is.
ServiceHandler = Callable[["TaskInfo"], "dict[str, Any] | None"]


class EngineInstance:
    """One running process instance (a BpmnWorkflow with the restricted script engine).

    ``service_handler`` (set by the caller, never serialised) runs the system steps."""

    def __init__(
        self,
        defn: ParsedDefinition,
        workflow: BpmnWorkflow,
        clock: Clock | None = None,
        service_handler: ServiceHandler | None = None,
    ) -> None:
        self.defn = defn
        self.workflow = workflow
        self.service_handler = service_handler
        # The run-away guard: automatic steps done since the last :meth:`reset_step_count`; past
        # ``STEP_FLOOR`` of them ``step_limit()`` (if set) is asked once for the allowed number.
        self.step_limit: Callable[[], int] | None = None
        self.auto_steps = 0
        self._limit: int | None = None
        # What automatic steps did since the last :meth:`drain_log` (decisions, scripts, timers):
        # ``{"kind", "element", "name", "set"}`` with the data each one set.
        self.step_log: list[dict[str, Any]] = []
        self._data_before: dict[Any, dict[str, Any]] = {}
        workflow.script_engine = RestrictedScriptEngine(clock)

    STEP_FLOOR = 20

    def reset_step_count(self) -> None:
        self.auto_steps = 0

    def count_step(self, element_id: str = "") -> None:
        """One more automatic step; raises :class:`RunAway` past the limit."""
        self.auto_steps += 1
        if self.step_limit is None or self.auto_steps <= self.STEP_FLOOR:
            return
        if self._limit is None:
            self._limit = max(self.STEP_FLOOR, int(self.step_limit()))
        if self.auto_steps > self._limit:
            raise RunAway(self._limit, element_id)

    def _before_step(self, task: Any) -> None:
        """Spiff's will_complete_task callback: count the step, run a system step's action, merge
        what it returns."""
        spec = task.task_spec
        if getattr(spec, "bpmn_id", None):
            self.count_step(spec.bpmn_id)
            if _logged_kind(spec) in ("decision", "script"):
                self._data_before[task.id] = dict(task.data)
        props = getattr(spec, "extensions", None) or {}
        if "yunying:action" not in props or self.service_handler is None:
            return
        updates = self.service_handler(
            TaskInfo(
                id=str(task.id),
                element_id=spec.bpmn_id,
                name=spec.bpmn_name,
                properties=dict(props),
                data=dict(task.data),
            )
        )
        if updates:
            task.data.update(updates)

    def _after_step(self, task: Any) -> None:
        """Spiff's did_complete_task callback: log what a decision, script or timer did."""
        spec = task.task_spec
        kind = _logged_kind(spec)
        if kind is None or not getattr(spec, "bpmn_id", None):
            return
        before = self._data_before.pop(task.id, None)
        changed = (
            {k: v for k, v in task.data.items() if k not in before or before[k] != v}
            if before is not None
            else {}
        )
        self.step_log.append(
            {"kind": kind, "element": spec.bpmn_id, "name": spec.bpmn_name or "", "set": changed}
        )

    def drain_log(self) -> list[dict[str, Any]]:
        out, self.step_log = self.step_log, []
        return out

    # -- stepping
    def run(self) -> None:
        """Do engine steps (gateways, scripts, rules, due timers) until only people or events can go on."""
        try:
            for _round in range(1000):
                self.workflow.refresh_timers()
                self.workflow.do_engine_steps(
                    will_complete_task=self._before_step, did_complete_task=self._after_step
                )
                # A plain bpmn:task (no type) is a system step here: it completes by itself.
                plain = [
                    t
                    for t in self._tasks(state=TaskState.READY, manual=True)
                    if not isinstance(t.task_spec, (UserTask, ManualTask))
                ]
                if not plain:
                    break
                for task in plain:
                    self._before_step(task)
                    task.run()
        except EngineError:
            raise
        except SpiffWorkflowException as exc:
            raise self._error(exc) from None
        except ExpressionError as exc:  # raised outside a task's script engine (any subclass)
            raise EngineError(f"expression failed: {exc.message}") from None
        except _INTERNAL_ERRORS as exc:
            raise EngineError(f"the engine failed: {type(exc).__name__}: {exc}") from None

    def _error(self, exc: SpiffWorkflowException) -> EngineError:
        spec = getattr(exc, "task_spec", None) or getattr(getattr(exc, "task", None), "task_spec", None)
        eid = getattr(spec, "bpmn_id", None) or getattr(spec, "name", "?")
        etype = type(spec).__name__ if spec is not None else "task"
        return EngineError(f"error at '{eid}': {exc}", [(str(eid), etype)])

    def _tasks(self, **kwargs: Any) -> list[Any]:
        return list(self.workflow.get_tasks(**kwargs))

    def ready_user_tasks(self) -> list[TaskInfo]:
        out = []
        for task in self._tasks(state=TaskState.READY, manual=True):
            spec = task.task_spec
            if not isinstance(spec, (UserTask, ManualTask)):
                continue
            out.append(
                TaskInfo(
                    id=str(task.id),
                    element_id=spec.bpmn_id,
                    name=spec.bpmn_name,
                    properties=dict(getattr(spec, "extensions", None) or {}),
                    data=dict(task.data),
                    lane=spec.lane,
                    instance_index=_instance_index(task.internal_data or {}),
                )
            )
        return out

    def complete_task(self, task_id: str, data: dict[str, Any]) -> None:
        """Merge ``data`` into a READY user/manual task, complete it and run on."""
        try:
            task = self.workflow.get_task_from_id(UUID(str(task_id)))
        except (ValueError, SpiffWorkflowException, KeyError):
            raise EngineError(f"task '{task_id}' not found") from None
        if task is None:
            raise EngineError(f"task '{task_id}' not found")
        if not isinstance(task.task_spec, (UserTask, ManualTask)):
            raise EngineError(f"task '{task_id}' ({task.task_spec.bpmn_id}) is not a user task")
        if task.state != TaskState.READY:
            raise EngineError(
                f"task '{task_id}' is not waiting for input (it is {TaskState.get_name(task.state)})"
            )
        task.data.update(data)
        try:
            task.run()
        except SpiffWorkflowException as exc:
            raise self._error(exc) from None
        except ExpressionError as exc:
            raise EngineError(f"expression failed at '{task.task_spec.bpmn_id}': {exc.message}") from None
        except _INTERNAL_ERRORS as exc:
            raise EngineError(f"the engine failed: {type(exc).__name__}: {exc}") from None
        self.run()

    # -- events from outside and from steps
    def waiting_messages(self) -> list[str]:
        """Names of the messages catch events wait for now."""
        return sorted(
            {
                str(t.task_spec.event_definition.name)
                for t in self.workflow.event_manager.tasks.values()
                if isinstance(t.task_spec.event_definition, MessageEventDefinition)
            }
        )

    def waiting_message_data(self) -> list[tuple[str, dict[str, Any]]]:
        """``(message name, the waiting task's data)`` for every catch event waiting for a message."""
        return [
            (str(t.task_spec.event_definition.name), t.data)
            for t in self.workflow.event_manager.tasks.values()
            if isinstance(t.task_spec.event_definition, MessageEventDefinition)
        ]

    def send_message(self, name: str, data: dict[str, Any]) -> None:
        """Correlate message ``name`` (its ``data`` becomes process data) and run on."""
        if name not in self.waiting_messages():
            raise EngineError(f"no step waits for message '{name}'")
        event = BpmnEvent(MessageEventDefinition(name), payload=copy.deepcopy(data))
        try:
            self.workflow.send_event(event)
        except SpiffWorkflowException as exc:
            raise self._error(exc) from None
        self.run()

    def _code_event(self, kind: str, code: str) -> Any:
        cls = ErrorEventDefinition if kind == "error" else EscalationEventDefinition
        return cls(code, code=code)

    def catches(self, task_id: str, kind: str, code: str) -> bool:
        """Whether the diagram catches BPMN ``kind`` ("error" / "escalation") ``code`` thrown at a
        READY user task (a boundary event on it, or an event sub-process / boundary further out)."""
        if kind not in ("error", "escalation"):
            return False
        task = self._ready_user_task(task_id)
        event = BpmnEvent(self._code_event(kind, code), payload={}, target=task.workflow)
        return any(t.task_spec.catches(t, event) for t in self.workflow.event_manager.tasks.values())

    def throw(self, task_id: str, kind: str, code: str, data: dict[str, Any]) -> bool:
        """A person's step throws BPMN ``kind`` ``code`` (with its ``data``): the diagram's catch
        event takes over (an interrupting one cancels the step). True when the step is no longer
        waiting for input afterwards."""
        task = self._ready_user_task(task_id)
        task.data.update(data)
        event = BpmnEvent(
            self._code_event(kind, code), payload=copy.deepcopy(task.data), target=task.workflow
        )
        try:
            caught = self.workflow.event_manager.catch(event, internal=False)
        except SpiffWorkflowException as exc:
            raise self._error(exc) from None
        if not caught:
            raise EngineError(f"nothing in the diagram catches {kind} '{code}'")
        self.run()
        return task.state != TaskState.READY

    def _ready_user_task(self, task_id: str) -> Any:
        try:
            task = self.workflow.get_task_from_id(UUID(str(task_id)))
        except (ValueError, SpiffWorkflowException, KeyError):
            task = None
        if (
            task is None
            or task.state != TaskState.READY
            or not isinstance(task.task_spec, (UserTask, ManualTask))
        ):
            raise EngineError(f"task '{task_id}' is not waiting for input")
        return task

    def task_state(self, task_id: str) -> str:
        """COMPLETED / READY / WAITING / CANCELLED ... of a task, or "" when the engine has no such task."""
        try:
            task = self.workflow.get_task_from_id(UUID(str(task_id)))
        except (ValueError, SpiffWorkflowException, KeyError):
            return ""
        return TaskState.get_name(task.state) if task is not None else ""

    def completed_count(self, element_id: str) -> int:
        """How many times ``element_id`` has finished in this instance (loops run it again)."""
        return sum(
            1
            for t in self._tasks(state=TaskState.COMPLETED)
            if getattr(t.task_spec, "bpmn_id", None) == element_id
        )

    def is_waiting_for_event(self) -> bool:
        """A timer, message or other catch event waits (it can still move the instance on)."""
        return any(
            getattr(t.task_spec, "event_definition", None) is not None
            for t in self._tasks(state=TaskState.WAITING)
        )

    def task_data(self, task_id: str) -> dict[str, Any]:
        """A copy of a task's data (typed values), e.g. of a step just completed."""
        try:
            task = self.workflow.get_task_from_id(UUID(str(task_id)))
        except (ValueError, SpiffWorkflowException, KeyError):
            return {}
        return dict(task.data) if task is not None else {}

    def last_data(self) -> dict[str, Any]:
        """The process data as it stands: the workflow's data once completed, else that of the
        task finished last."""
        if self.workflow.is_completed() and self.workflow.data:
            return dict(self.workflow.data)
        done = self._tasks(state=TaskState.COMPLETED)
        latest = max(done, key=lambda t: t.last_state_change, default=None)
        return dict(latest.data) if latest is not None else dict(self.workflow.data)

    def is_completed(self) -> bool:
        return bool(self.workflow.is_completed())

    def task_states(self) -> dict[str, str]:
        """Element id -> COMPLETED / READY / WAITING / ERROR / CANCELLED, for colouring a diagram."""
        states: dict[str, str] = {}
        for task in self._tasks():
            eid = getattr(task.task_spec, "bpmn_id", None)
            if not eid:
                continue
            name = TaskState.get_name(task.state)
            name = {"STARTED": "WAITING"}.get(name, name)
            if name not in _STATE_PRIORITY:
                continue  # predicted (MAYBE / LIKELY / FUTURE) paths are not shown
            if eid not in states or _STATE_PRIORITY.index(name) < _STATE_PRIORITY.index(states[eid]):
                states[eid] = name
        return states

    def cancel(self) -> None:
        self.workflow.cancel()

    def reset_to(self, element_id: str, data: dict[str, Any] | None = None) -> None:
        """Go back to the latest finished run of ``element_id`` (e.g. "return to an earlier step").

        Everything after it is discarded; its data is reset to what it received (plus ``data``).
        """
        candidates = [
            t
            for t in self._tasks()
            if getattr(t.task_spec, "bpmn_id", None) == element_id
            and t.has_state(TaskState.FINISHED_MASK | TaskState.READY | TaskState.STARTED)
        ]
        if not candidates:
            raise EngineError(f"'{element_id}' has not been reached in this instance", [(element_id, "task")])
        # For a multi-instance activity reset the activity itself, not one of its instances.
        outer = [t for t in candidates if not t.task_spec.name.endswith("[child]")]
        task = max(outer or candidates, key=lambda t: t.last_state_change)
        try:
            self.workflow.reset_from_task_id(task.id)
            if data:
                task.data.update(data)
        except SpiffWorkflowException as exc:
            raise self._error(exc) from None
        self.run()


def start_instance(
    defn: ParsedDefinition,
    data: dict[str, Any],
    *,
    clock: Clock | None = None,
    service_handler: ServiceHandler | None = None,
    step_limit: Callable[[], int] | None = None,
) -> EngineInstance:
    """Create an instance with ``data`` as its initial process data and run it until it waits
    (``step_limit``: the run-away limit, see :meth:`EngineInstance.count_step`)."""
    workflow = BpmnWorkflow(defn.spec, defn.subprocess_specs)
    inst = EngineInstance(defn, workflow, clock, service_handler)
    inst.step_limit = step_limit
    workflow.task_tree.data.update(copy.deepcopy(data))  # root data flows down to the start event
    for task in workflow.get_tasks():
        task.data.update(copy.deepcopy(data))
    inst.run()
    return inst


def dump_state(inst: EngineInstance) -> dict[str, Any]:
    """JSON-able state of an instance WITHOUT the spec (store the spec once per version)."""
    ser = _STATE_SERIALIZER
    with _STATE_LOCK:
        ser.registry._encoder_mode = True  # as serialize_json: data values (Decimal, date…) typed in JSON
        try:
            dct = ser.workflow_converter.state_dict(inst.workflow)  # the specs are not even converted
            dct[ser.VERSION_KEY] = ser.VERSION
            dct["yunying_state_format"] = STATE_FORMAT
            text = json.dumps(dct, cls=ser._encoder_cls)
        finally:
            ser.registry._encoder_mode = False
    return json.loads(text)  # detach from live objects; proves it is JSON-able


def _tree_ordered(tasks: dict[str, Any], root: Any) -> dict[str, Any]:
    """``tasks`` in tree order (parents before children), as a new mapping.

    Spiff restores tasks in mapping order; a store that does not keep key order (PostgreSQL jsonb)
    would otherwise lose task data."""
    if not isinstance(root, str) or root not in tasks:
        return dict(tasks)
    ordered: dict[str, Any] = {}
    stack = [root]
    while stack:
        tid = stack.pop()
        if tid in ordered or tid not in tasks:
            continue
        ordered[tid] = tasks[tid]
        stack.extend(reversed(tasks[tid].get("children") or []))
    ordered.update({k: v for k, v in tasks.items() if k not in ordered})
    return ordered


def _workflow_copy(dct: dict[str, Any]) -> dict[str, Any]:
    """A copy of a (sub)workflow's state that restoring may consume: Spiff pops keys from these
    mappings and keeps ``correlations`` as given; task entries are only read, so they are shared."""
    out = dict(dct)
    if isinstance(out.get("tasks"), dict):
        out["tasks"] = _tree_ordered(out["tasks"], out.get("root"))
    if "correlations" in out:
        out["correlations"] = copy.deepcopy(out["correlations"])
    return out


def _state_copy(state: dict[str, Any]) -> dict[str, Any]:
    dct = _workflow_copy(state)
    dct.pop("yunying_state_format", None)
    subs = dct.get("subprocesses")
    if isinstance(subs, dict):
        dct["subprocesses"] = {k: _workflow_copy(v) if isinstance(v, dict) else v for k, v in subs.items()}
    return dct


def load_state(
    defn: ParsedDefinition, state: dict[str, Any], *, clock: Clock | None = None
) -> EngineInstance:
    """Rebuild an instance from :func:`dump_state` output and the definition it was started from.

    ``state`` is not changed. The definition's spec objects are shared, not rebuilt (see
    :attr:`ParsedDefinition.shares_specs`); older state formats go through Spiff's migrations."""
    try:
        if defn.shares_specs and state.get(_SERIALIZER.VERSION_KEY) == _SERIALIZER.VERSION:
            dct = _state_copy(state)
            dct.pop(_SERIALIZER.VERSION_KEY)
            workflow = _SERIALIZER.from_dict(dct, specs=(defn.spec, defn.subprocess_specs))
        else:
            dct = _state_copy(copy.deepcopy(state))
            dct["spec"] = copy.deepcopy(defn.spec_dict["spec"])
            dct["subprocess_specs"] = copy.deepcopy(defn.spec_dict["subprocess_specs"])
            _SERIALIZER.migrate(dct)
            workflow = _SERIALIZER.from_dict(dct)
    except (SpiffWorkflowException, KeyError, ValueError, TypeError) as exc:
        raise EngineError(f"cannot restore the instance state: {type(exc).__name__}: {exc}") from None
    return EngineInstance(defn, workflow, clock)
