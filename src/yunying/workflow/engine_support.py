"""SpiffWorkflow plumbing for :mod:`yunying.workflow.engine`: restricted script engine, parser, serializer.

Together with ``engine.py`` and ``engine_validate.py`` this is the only place that imports SpiffWorkflow.
No Django imports.
"""

from __future__ import annotations

import ast
import datetime as dt
import functools
import re
from collections import ChainMap
from collections.abc import Mapping
from copy import deepcopy
from decimal import Decimal
from typing import Any
from uuid import UUID

from lxml import etree
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.node_parser import NodeParser
from SpiffWorkflow.bpmn.parser.ProcessParser import ProcessParser
from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.serializer import DEFAULT_CONFIG, BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.specs.defaults import ServiceTask
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.specs.business_rule_task import BusinessRuleTask
from SpiffWorkflow.dmn.parser.BpmnDmnParser import BpmnDmnParser
from SpiffWorkflow.dmn.serializer.task_spec import BaseBusinessRuleTaskConverter

from yunying.core.expressions import Clock, ExpressionError, evaluate, parse_expression

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
YUNYING_NS = "http://yunying.dev/schema/bpmn/1.0"

MAX_SCRIPT_LINES = 100


class ScriptRefused(ValueError):
    """A script task body that is not a list of ``name = <restricted expression>`` lines."""


# --------------------------------------------------------------------------- restricted scripts
def parse_assignments(script: str | None) -> list[tuple[str, str]]:
    """Split a script into ``(name, expression source)`` pairs; refuse anything else.

    Blank lines and ``#`` comments are allowed. Each right-hand side is checked statically with the
    restricted expression parser.
    """
    if not script or not script.strip():
        return []
    if len(script) > 20_000:
        raise ScriptRefused("script is too long")
    try:
        module = ast.parse(script, mode="exec")
    except SyntaxError as exc:
        raise ScriptRefused(f"invalid syntax on line {exc.lineno}") from None
    except (RecursionError, MemoryError, ValueError):
        raise ScriptRefused("script is too deeply nested") from None
    if len(module.body) > MAX_SCRIPT_LINES:
        raise ScriptRefused(f"script has more than {MAX_SCRIPT_LINES} statements")
    result: list[tuple[str, str]] = []
    for stmt in module.body:
        if not (
            isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
        ):
            raise ScriptRefused(
                f"line {stmt.lineno}: only 'name = expression' assignments are allowed in scripts"
            )
        name = stmt.targets[0].id
        if name.startswith("__"):
            raise ScriptRefused(f"line {stmt.lineno}: name '{name}' is not allowed")
        segment = ast.get_source_segment(script, stmt.value)
        if segment is None:  # pragma: no cover - only for synthetic trees
            raise ScriptRefused(f"line {stmt.lineno}: cannot read the expression")
        try:
            parse_expression(segment)
        except ExpressionError as exc:
            raise ScriptRefused(f"line {stmt.lineno}: {exc.message}") from None
        result.append((name, segment))
    return result


@functools.lru_cache(maxsize=512)
def _parsed_assignments(script: str) -> tuple[tuple[str, str], ...]:
    return tuple(parse_assignments(script))


def run_assignments(
    script: str | None, data: dict[str, Any], extra: Mapping[str, Any], clock: Clock | None
) -> None:
    """Evaluate each assignment in order and store it in ``data`` (later lines see earlier results).

    A script is parsed and checked once per process (scripts of deployed versions do not change)."""
    scope = ChainMap(data, dict(extra))  # a view: later lines see what earlier lines stored
    for name, source in _parsed_assignments(script) if script else ():
        data[name] = evaluate(source, scope, clock=clock)


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """Spiff's environment hook, routed to the restricted evaluator (some Spiff code calls it directly)."""

    def __init__(self, clock: Clock | None = None) -> None:
        super().__init__({})
        self.clock = clock

    def evaluate(
        self, expression: str, context: Mapping[str, Any], external_context: Mapping[str, Any] | None = None
    ) -> Any:
        # Read-only views (the evaluator never writes to its scope): no copy of the task data per call.
        scope: Mapping[str, Any] = ChainMap(context, external_context or {})  # type: ignore[arg-type]
        return evaluate(expression, scope, clock=self.clock)

    def execute(
        self, script: str, context: dict[str, Any], external_context: Mapping[str, Any] | None = None
    ) -> bool:
        run_assignments(script, context, external_context or {}, self.clock)
        return True

    def call_service(self, context: Mapping[str, Any], **kwargs: Any) -> Any:
        raise ScriptRefused("service calls from diagrams are not available")


class RestrictedScriptEngine(PythonScriptEngine):
    """A script engine that never runs Python: every expression goes to ``yunying.core.expressions``.

    Covers gateway conditions, timer values, multi-instance cardinality / completion conditions, loop
    conditions, conditional events, message correlation and DMN cells (Spiff's DMN engine calls
    ``evaluate``). Script tasks (and pre/post scripts) may only contain ``name = <expression>`` lines.
    """

    def __init__(self, clock: Clock | None = None) -> None:
        super().__init__(environment=RestrictedEnvironment(clock))

    def validate(self, expression: str) -> None:
        # Spiff's DMN engine relies on SyntaxError here to decide between "x == entry" and "x entry".
        ast.parse(expression, mode="eval")

    def evaluate(self, task: Any, expression: str, external_context: Mapping[str, Any] | None = None) -> Any:
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except ExpressionError as exc:
            raise WorkflowTaskException(
                f"Error evaluating expression '{expression}': {exc.message}", task=task, exception=exc
            ) from None

    def execute(self, task: Any, script: str, external_context: Mapping[str, Any] | None = None) -> bool:
        try:
            return bool(self.environment.execute(script, task.data, external_context))
        except (ExpressionError, ScriptRefused) as exc:
            message = exc.message if isinstance(exc, ExpressionError) else str(exc)
            raise WorkflowTaskException(
                f"Script refused or failed: {message}", task=task, exception=exc
            ) from None

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        raise WorkflowTaskException("service calls from diagrams are not available", task=task)


# --------------------------------------------------------------------------- parser
_SIMPLE_PATH = re.compile(r"^\.(//?[A-Za-z_][\w.-]*:[A-Za-z_][\w.-]*)+$")


@functools.lru_cache(maxsize=1024)
def _compiled_xpath(expression: str, namespaces: tuple[tuple[Any, str], ...]) -> Any:
    """An element-path search for a plain path of prefixed names (``./bpmn:ioSpecification``,
    ``.//bpmn:documentation``): ElementPath answers those several times faster than XPath, with the
    same elements in the same (document) order. Anything else is a compiled XPath."""
    mapping = {k: v for k, v in namespaces if k}
    if _SIMPLE_PATH.match(expression):
        steps = re.split(r"(//?)", expression[1:])
        parts = []
        for step in steps:
            if step in ("/", "//") or not step:
                parts.append(step)
                continue
            prefix, name = step.split(":", 1)
            if prefix not in mapping:
                break
            parts.append(f"{{{mapping[prefix]}}}{name}")
        else:
            path = "." + "".join(parts)
            return lambda node: node.findall(path)
    return etree.XPath(expression, namespaces=mapping)


def _node_xpath(self: Any, node: Any, xpath: str) -> Any:
    """Spiff's ``NodeParser._xpath`` with each expression compiled once: Spiff asks some seven
    XPath questions per element, and compiling them every time made large diagrams slow to deploy."""
    key = self.__dict__.get("_nsmap_key")
    if key is None:
        key = self.__dict__["_nsmap_key"] = tuple(self.nsmap.items())
    return _compiled_xpath(xpath, key)(node)


NodeParser._xpath = _node_xpath  # same answers (lxml's node.xpath compiles the same expression)


class _BusinessRuleTaskParser(TaskParser):
    """businessRuleTask naming its decision in camunda:decisionRef, yunying:decisionRef,
    spiffworkflow:calledDecisionId or zeebe:calledDecision/@decisionId."""

    def create_task(self) -> Any:
        decision_ref = self.get_decision_ref(self.node)
        if not decision_ref:
            raise ValidationException("Business rule task has no decision reference", node=self.node)
        engine = self.process_parser.parser.get_engine(decision_ref, self.node)
        return BusinessRuleTask(self.spec, self.bpmn_id, dmnEngine=engine, **self.bpmn_attributes)

    @staticmethod
    def get_decision_ref(node: Any) -> str | None:
        for attr in (f"{{{CAMUNDA_NS}}}decisionRef", f"{{{YUNYING_NS}}}decisionRef"):
            if node.get(attr):
                return str(node.get(attr))
        for child in node.iter(f"{{{SPIFF_NS}}}calledDecisionId"):
            if child.text and child.text.strip():
                return child.text.strip()
        for child in node.iter(f"{{{ZEEBE_NS}}}calledDecision"):
            if child.get("decisionId"):
                return str(child.get("decisionId"))
        return None


class SystemStep(ServiceTask):
    """A bpmn:serviceTask: a system step. It completes by itself; the engine's service handler runs
    its ``yunying:action`` just before (see ``EngineInstance._before_step``)."""

    def _run_hook(self, task: Any) -> bool:
        return True


class CallableProcessParser(ProcessParser):
    """A process marked ``isExecutable="false"`` may still be called: modelers mark the processes
    that only run through a call activity so, and BPMN makes executability a matter of the process
    *started*. The process a version starts is checked to be executable before parsing
    (``engine._parse_definition``); a called one without a start event is still refused."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.process_executable = True


class YunyingBpmnParser(BpmnDmnParser):
    """Standard BPMN semantics (no Spiff/Camunda script extensions), plus DMN business rule tasks."""

    PROCESS_PARSER_CLASS = CallableProcessParser

    OVERRIDE_PARSER_CLASSES = {
        full_tag("businessRuleTask"): (_BusinessRuleTaskParser, BusinessRuleTask),
        full_tag("serviceTask"): (TaskParser, SystemStep),
    }

    def _add_data_stores(self, bpmn: Any) -> None:
        # Data stores need a server-side implementation; engine_validate refuses the ones tasks use.
        return None


# --------------------------------------------------------------------------- serializer
class SpecSharingWorkflowConverter(BpmnWorkflowConverter):
    """Spiff's workflow converter that can leave the (immutable, per-version) specs out.

    ``state_dict`` is ``to_dict`` without ``spec`` / ``subprocess_specs`` (same keys, same order
    otherwise); ``from_dict(dct, specs=(spec, subprocess_specs))`` restores the tasks onto specs
    that are already deserialised instead of rebuilding them from the dictionary."""

    def state_dict(self, workflow: Any) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        dct["typename"] = self.typename
        return dct

    def from_dict(self, dct: dict[str, Any], specs: tuple[Any, dict[str, Any]] | None = None) -> Any:
        if specs is None:
            return super().from_dict(dct)
        dct.pop("spec", None)
        dct.pop("subprocess_specs", None)
        spec, subprocess_specs = specs
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


class YunyingSerializer(BpmnWorkflowSerializer):
    """Spiff's serializer with our workflow converter at hand (``workflow_converter``)."""

    def __init__(self, registry: Any) -> None:
        super().__init__(registry)
        self.workflow_converter = SpecSharingWorkflowConverter(BpmnWorkflow, registry)  # replaces Spiff's


def make_serializer() -> YunyingSerializer:
    config = deepcopy(DEFAULT_CONFIG)
    config[BusinessRuleTask] = BaseBusinessRuleTaskConverter
    config[SystemStep] = BpmnTaskSpecConverter
    registry = BpmnWorkflowSerializer.configure(config)
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda v: Decimal(v["value"]))
    registry.register(
        dt.date, lambda v: {"value": v.isoformat()}, lambda v: dt.date.fromisoformat(v["value"])
    )
    return YunyingSerializer(registry)
