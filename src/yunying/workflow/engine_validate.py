"""Static checks of a BPMN document before SpiffWorkflow sees it (pure lxml, no Django).

* which process to run, and which processes it calls;
* elements the engine cannot execute (reported all at once, as ``(element_id, element_type)``);
* every expression (flow conditions, timers, loop / multi-instance settings, scripts, DMN cells) checked
  with the restricted parser, with a pointer at expressions written for another engine (JUEL, FEEL, cron);
* extension properties of every flow node (see :func:`element_properties`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from yunying.core.expressions import ExpressionError, parse_expression
from yunying.workflow.engine_support import (
    CAMUNDA_NS,
    SPIFF_NS,
    YUNYING_NS,
    ZEEBE_NS,
    ScriptRefused,
    _BusinessRuleTaskParser,
    parse_assignments,
)

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
B = f"{{{BPMN_NS}}}"

# Flow elements SpiffWorkflow 3.2 executes (with our restricted script engine).
SUPPORTED_ELEMENTS = frozenset(
    {
        "startEvent",
        "endEvent",
        "intermediateCatchEvent",
        "intermediateThrowEvent",
        "boundaryEvent",
        "task",
        "userTask",
        "manualTask",
        "scriptTask",
        "serviceTask",
        "sendTask",
        "receiveTask",
        "businessRuleTask",
        "callActivity",
        "subProcess",
        "transaction",
        "exclusiveGateway",
        "parallelGateway",
        "inclusiveGateway",
        "eventBasedGateway",
    }
)
SUPPORTED_EVENT_DEFINITIONS = frozenset(
    {
        "messageEventDefinition",
        "signalEventDefinition",
        "timerEventDefinition",
        "errorEventDefinition",
        "escalationEventDefinition",
        "terminateEventDefinition",
        "conditionalEventDefinition",
        "cancelEventDefinition",
    }
)
# Known BPMN elements that are not executed (Spiff ignores them, or they are refused).
UNSUPPORTED_ELEMENTS = frozenset(
    {
        "complexGateway",
        "adHocSubProcess",
        "compensateEventDefinition",
        "linkEventDefinition",
        "choreographyTask",
        "subChoreography",
        "callChoreography",
        "choreography",
        "globalChoreographyTask",
        "conversation",
        "subConversation",
        "callConversation",
        "globalConversation",
        "conversationLink",
        "implicitThrowEvent",
    }
)
# Of those, the ones that live outside processes (in collaborations / choreographies).
COLLABORATION_UNSUPPORTED = frozenset(
    {
        "choreography",
        "choreographyTask",
        "subChoreography",
        "callChoreography",
        "globalChoreographyTask",
        "conversation",
        "subConversation",
        "callConversation",
        "globalConversation",
    }
)
# BPMN elements that carry no behaviour of their own (artifacts, data, lanes, expressions ...).
PASSIVE_ELEMENTS = frozenset(
    {
        "sequenceFlow",
        "laneSet",
        "lane",
        "childLaneSet",
        "flowNodeRef",
        "documentation",
        "textAnnotation",
        "text",
        "association",
        "group",
        "category",
        "categoryValue",
        "dataObject",
        "dataObjectReference",
        "dataStoreReference",
        "dataState",
        "dataInputAssociation",
        "dataOutputAssociation",
        "sourceRef",
        "targetRef",
        "transformation",
        "assignment",
        "from",
        "to",
        "ioSpecification",
        "dataInput",
        "dataOutput",
        "inputSet",
        "outputSet",
        "dataInputRefs",
        "dataOutputRefs",
        "optionalInputRefs",
        "optionalOutputRefs",
        "whileExecutingInputRefs",
        "whileExecutingOutputRefs",
        "outputSetRefs",
        "inputSetRefs",
        "property",
        "conditionExpression",
        "condition",
        "incoming",
        "outgoing",
        "eventDefinitionRef",
        "script",
        "timeDate",
        "timeDuration",
        "timeCycle",
        "multiInstanceLoopCharacteristics",
        "loopCardinality",
        "loopDataInputRef",
        "loopDataOutputRef",
        "inputDataItem",
        "outputDataItem",
        "completionCondition",
        "complexBehaviorDefinition",
        "standardLoopCharacteristics",
        "loopCondition",
        "resourceRole",
        "performer",
        "humanPerformer",
        "potentialOwner",
        "resourceAssignmentExpression",
        "resourceRef",
        "resourceParameterBinding",
        "formalExpression",
        "expression",
        "rendering",
        "auditing",
        "monitoring",
        "extensionElements",
        "ioBinding",
        "supportedInterfaceRef",
        "correlationPropertyRetrievalExpression",
        "messagePath",
        "dataPath",
        "operationRef",
        "oneBehaviorEventRef",
        "noneBehaviorEventRef",
        "errorRef",
        "signalRef",
        "messageRef",
        "escalationRef",
        "activityRef",
    }
)
_TIMER_ISO = re.compile(
    r"^(R\d*/)?(P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?"
    r"|\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?)"
    r"(/P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?)?$"
)
_CRON = re.compile(r"^\s*[\d*?/,LW#-]+(\s+[\d*?/,LW#A-Z-]+){4,6}\s*$", re.IGNORECASE)


@functools.lru_cache(maxsize=4096)
def _split_tag(tag: str) -> tuple[str, str]:
    """``(namespace, local name)`` of a Clark-notation tag or attribute name (cached: a large diagram
    asks for the same few dozen names hundreds of thousands of times)."""
    if tag.startswith("{"):
        namespace, _sep, name = tag[1:].partition("}")
        return namespace, name
    return "", tag


def local(tag: Any) -> str:
    return _split_tag(tag)[1] if isinstance(tag, str) else ""


def ns(tag: Any) -> str:
    return _split_tag(tag)[0] if isinstance(tag, str) else ""


@dataclass
class Findings:
    unsupported: list[tuple[str, str]] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)
    expressions: list[tuple[str, str]] = field(default_factory=list)

    def refuse(self, element_id: str, element_type: str, reason: str) -> None:
        if (element_id, element_type) not in self.unsupported:
            self.unsupported.append((element_id, element_type))
            self.reasons.setdefault(element_id, reason)

    def bad(self, element_id: str, message: str) -> None:
        if (element_id, message) not in self.expressions:
            self.expressions.append((element_id, message))


def foreign_dialect(text: str) -> str | None:
    """Name the engine an expression was written for, if it is recognisably not ours."""
    t = text.strip()
    if "${" in t or "#{" in t:
        return "a JUEL expression (Camunda 7 / Activiti); write a plain expression such as: approved == True"
    if t.startswith("="):
        return "a FEEL expression (Camunda 8); write a plain expression without the leading '='"
    if "getDataObject(" in t or t.startswith("/") or "bpmn:" in t:
        return "an XPath expression; write a plain expression such as: approved"
    return None


def check_text(findings: Findings, element_id: str, text: str | None, what: str) -> None:
    if text is None or not text.strip():
        findings.bad(element_id, f"{what} is empty")
        return
    dialect = foreign_dialect(text)
    if dialect:
        findings.bad(element_id, f"{what} '{text.strip()}' is {dialect}")
        return
    try:
        parse_expression(text)
    except ExpressionError as exc:
        findings.bad(element_id, f"{what} '{text.strip()[:80]}': {exc.message}")


def normalise_timer(node: Any) -> str | None:
    """Quote a raw ISO 8601 timer value (so it is a valid expression); return a problem, "check" or None."""
    text = (node.text or "").strip()
    if not text:
        return f"timer {local(node.tag)} has no value"
    if _TIMER_ISO.match(text):
        node.text = repr(text)
        return None
    if _CRON.match(text):
        return f"timer '{text}' is a cron expression; use ISO 8601, e.g. 'R/P1D' for every day"
    return "check"


_EXPRESSION_HOLDERS = frozenset(
    {
        "timerEventDefinition",
        "conditionalEventDefinition",
        "multiInstanceLoopCharacteristics",
        "standardLoopCharacteristics",
        "conditionExpression",
        "condition",
        "formalExpression",
        "expression",
        "timeDate",
        "timeDuration",
        "timeCycle",
        "loopCardinality",
        "completionCondition",
        "loopCondition",
        "loopDataInputRef",
        "loopDataOutputRef",
        "script",
    }
)


def _owner_id(node: Any) -> str:
    """The id of the nearest enclosing element a diagram can highlight (a flow, task or event)."""
    while node is not None:
        if node.get("id") and local(node.tag) not in _EXPRESSION_HOLDERS:
            return str(node.get("id"))
        node = node.getparent()
    return "?"


def check_process(process: Any, findings: Findings, dmn_decisions: dict[str, Any]) -> None:
    """Walk one bpmn:process and record everything it cannot execute."""
    data_stores_used = {ref.text for ref in process.iter(f"{B}sourceRef", f"{B}targetRef") if ref.text} & {
        d.get("id") for d in process.iter(f"{B}dataStoreReference")
    }
    outgoing: dict[str, list[Any]] = {}  # one pass: each gateway's flows without a scan per gateway
    for flow in process.iter(f"{B}sequenceFlow"):
        outgoing.setdefault(flow.get("sourceRef") or "", []).append(flow)
    # Elements inside extensionElements are vendor data, not BPMN: skipped (found once, not per node).
    # (lxml keeps one proxy per element while it is referenced: the list keeps the ids valid.)
    vendor_nodes = [n for ext in process.iter(f"{B}extensionElements") for n in ext.iter()]
    vendor = {id(n) for n in vendor_nodes}
    for node in process.iter(f"{{{BPMN_NS}}}*"):
        if id(node) in vendor:
            continue
        name, eid = local(node.tag), node.get("id") or _owner_id(node)
        if name in UNSUPPORTED_ELEMENTS:
            host = _owner_id(node.getparent()) if name.endswith("EventDefinition") else eid
            findings.refuse(host, name, f"{name} is not executed by the workflow engine")
        elif name in SUPPORTED_ELEMENTS:
            if name == "subProcess" or name == "transaction":
                starts = node.findall(f"{B}startEvent")
                if not starts:
                    findings.refuse(eid, name, "sub-process has no start event (it would do nothing)")
            if name == "businessRuleTask":
                ref = _BusinessRuleTaskParser.get_decision_ref(node)
                if not ref:
                    findings.refuse(eid, name, "business rule task names no decision (camunda:decisionRef)")
                elif ref not in dmn_decisions:
                    findings.refuse(eid, name, f"decision '{ref}' is not in the uploaded DMN files")
            if name == "scriptTask":
                script = node.find(f"{B}script")
                try:
                    parse_assignments(script.text if script is not None else None)
                except ScriptRefused as exc:
                    findings.bad(eid, f"script: {exc}")
            if name in ("exclusiveGateway", "inclusiveGateway"):
                _check_gateway(outgoing.get(node.get("id") or "", []), node, findings)
        elif name in SUPPORTED_EVENT_DEFINITIONS or name in PASSIVE_ELEMENTS or name == "process":
            pass
        else:
            findings.refuse(eid, name, f"BPMN element '{name}' is not supported")
        if name == "dataStoreReference" and node.get("id") in data_stores_used:
            findings.refuse(eid, name, "data stores are not supported; use process data instead")
        _check_expressions(node, name, findings)


def _check_gateway(flows: list[Any], gateway: Any, findings: Findings) -> None:
    gid = gateway.get("id")
    if len(flows) <= 1:
        return
    for flow in flows:
        if flow.get("id") == gateway.get("default"):
            continue
        if flow.find(f"{B}conditionExpression") is None:
            findings.bad(
                flow.get("id") or gid,
                "flow leaving a gateway needs a condition (or mark it as the default flow)",
            )


def _check_expressions(node: Any, name: str, findings: Findings) -> None:
    eid = _owner_id(node)
    if name == "conditionExpression" or (
        name == "condition" and local(node.getparent().tag) == "conditionalEventDefinition"
    ):
        check_text(findings, eid, node.text, "condition")
    elif name in ("timeDate", "timeDuration", "timeCycle"):
        problem = normalise_timer(node)
        if problem == "check":
            check_text(findings, eid, node.text, f"timer {name}")
        elif problem:
            findings.bad(eid, problem)
    elif name in ("loopCardinality", "completionCondition", "loopCondition"):
        check_text(findings, eid, node.text, name)
    elif name == "loopDataInputRef" or name == "loopDataOutputRef":
        if not (node.text or "").strip().isidentifier():
            findings.bad(eid, f"{name} '{(node.text or '').strip()}' must be a plain data name")
    elif name == "multiInstanceLoopCharacteristics":
        has_input = (
            node.find(f"{B}loopCardinality") is not None or node.find(f"{B}loopDataInputRef") is not None
        )
        if not has_input:
            findings.bad(
                eid, "multi-instance needs loopCardinality or loopDataInputRef (a list in the process data)"
            )
    elif (
        name == "standardLoopCharacteristics"
        and node.get("loopMaximum") is None
        and node.find(f"{B}loopCondition") is None
    ):
        findings.bad(eid, "loop needs a loopCondition or loopMaximum")


def check_dmn(decisions: dict[str, Any], findings: Findings) -> None:
    """Check input expressions and cells of every decision table with the restricted parser."""
    for decision_id, decision in decisions.items():
        for node in decision.iter():
            tag = local(node.tag)
            text_node = node.find("{*}text")
            text = text_node.text if text_node is not None else None
            cell = node.get("id") or decision_id
            if tag == "inputExpression":
                check_text(findings, cell, text, f"decision '{decision_id}' input")
            elif tag == "outputEntry" and text and text.strip():
                check_text(findings, cell, text, f"decision '{decision_id}' output")
            elif tag == "inputEntry" and text and text.strip() not in ("", "-"):
                t = text.strip().replace("?", "dmninputexpr")
                dialect = foreign_dialect(t)
                try:
                    if dialect:
                        raise ExpressionError(dialect)
                    try:
                        parse_expression(t)
                    except ExpressionError as exc:
                        if not exc.message.startswith("invalid syntax"):
                            raise
                        parse_expression(f"dmninputexpr {t}")
                except ExpressionError as exc:
                    findings.bad(
                        cell, f"decision '{decision_id}' rule cell '{text.strip()[:80]}': {exc.message}"
                    )


def element_properties(node: Any) -> dict[str, str]:
    """Extension properties of a flow node, as written by the common modelers.

    * ``camunda:properties`` / ``spiffworkflow:properties`` / ``zeebe:properties`` / ``yunying:properties``
      children of ``bpmn:extensionElements``: ``{property name: value}`` as written (e.g. ``"yunying:form"``
      or ``"form"``);
    * attributes in the yunying namespace on the element: ``"yunying:<name>"``;
    * well-known vendor attributes: ``camunda:formKey``, ``camunda:assignee``, ``camunda:candidateGroups``,
      ``camunda:candidateUsers``, ``camunda:dueDate`` (kept under those names), and ``zeebe:formDefinition`` /
      ``zeebe:assignmentDefinition`` attributes (as ``zeebe:formKey``, ``zeebe:assignee`` ...).
    """
    props: dict[str, str] = {}
    ext = node.find(f"{B}extensionElements")
    if ext is not None:
        for container in ext:
            if not isinstance(container.tag, str) or local(container.tag) != "properties":
                continue
            for prop in container:
                if isinstance(prop.tag, str) and local(prop.tag) == "property":
                    key = prop.get("name") or prop.get("id")
                    if key:
                        props[key] = prop.get("value") if prop.get("value") is not None else (prop.text or "")
        for child in ext:
            if (
                isinstance(child.tag, str)
                and ns(child.tag) == ZEEBE_NS
                and local(child.tag) in ("formDefinition", "assignmentDefinition", "taskSchedule")
            ):
                for k, v in child.attrib.items():
                    props.setdefault(f"zeebe:{local(k)}", v)
    for k, v in node.attrib.items():
        if ns(k) == YUNYING_NS or "yunying" in ns(k):
            props[f"yunying:{local(k)}"] = v
        elif ns(k) == CAMUNDA_NS and local(k) in (
            "formKey",
            "assignee",
            "candidateGroups",
            "candidateUsers",
            "dueDate",
        ):
            props.setdefault(f"camunda:{local(k)}", v)
        elif ns(k) == SPIFF_NS:
            props.setdefault(f"spiffworkflow:{local(k)}", v)
    return props


def iter_flow_nodes(process: Any) -> Iterable[Any]:
    for node in process.iter():
        if isinstance(node.tag, str) and ns(node.tag) == BPMN_NS and local(node.tag) in SUPPORTED_ELEMENTS:
            yield node
