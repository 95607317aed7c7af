"""Deploy check: every name an expression reads must be data the process will have at that point.

When the start event declares its form (a form of the forms app, ``yunying:form``, or inline fields,
``yunying:fields``), the data of an instance is known in advance. A name in a gateway condition, a
conditional event, a timer expression, a multi-instance setting or a script line must then be one of:

* a field of the start form;
* a field of the form of a user task (or manual task) that precedes the expression in the diagram;
* a name set by a preceding script task line, DMN decision (its output columns) or multi-instance
  output (``loopDataOutputRef``), or a data object of the process;
* inside a multi-instance step (its completion condition): its ``inputDataItem`` / ``outputDataItem``
  and its own form's fields;
* a built-in (:data:`BUILTINS`): ``requester`` (login name of the requester), ``unit`` / ``store``
  (code of the unit / store concerned) and ``approved`` (``True`` once a step has been approved; the
  engine sets it on every completed step unless the step's form has its own ``approved``), ``_outcome``
  (the latest step's decision: ``approved``, ``rejected``, ``dedup``, ``skipped``) and ``_results``
  (each step's decision by element id).

A start event without a form accepts free data (the API, diagrams from other modelers), so the names
cannot be known at deploy time and this check is skipped for such processes. A step whose form cannot
be found (reported separately) makes the names behind it unknowable too: those expressions are skipped.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from django.utils.translation import gettext as _
from lxml import etree

from yunying.core.expressions import ExpressionError, parse_expression
from yunying.workflow import forms_bridge
from yunying.workflow.engine_support import ScriptRefused, _BusinessRuleTaskParser, parse_assignments
from yunying.workflow.engine_validate import _TIMER_ISO, BPMN_NS, element_properties, local

B = f"{{{BPMN_NS}}}"
BUILTINS = ("approved", "requester", "store", "unit", "_outcome", "_results")
FORM_TASKS = ("userTask", "manualTask", "startEvent")
CONTAINERS = ("subProcess", "transaction")
_NOTHING: frozenset[str] = frozenset()


def step_fields(props: dict[str, str]) -> set[str] | None:
    """Names a step's form gives the process data; ``None`` when they cannot be known."""
    step = forms_bridge.StepForm.of(props)
    names: set[str] = set()
    if step.form_key:
        version = forms_bridge.form_version(step.form_key)
        if version is None:
            return None
        names |= {str(f.get("key")) for f in version.fields or [] if isinstance(f, dict) and f.get("key")}
    if step.inline:
        try:
            names |= {f.name for f in forms_bridge.parse_inline_fields(step.inline)}
        except ValueError:
            return None
    return names


def _decision_outputs(dmn_files: Iterable[bytes]) -> dict[str, set[str]]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    found: dict[str, set[str]] = {}
    for raw in dmn_files:
        try:
            root = etree.fromstring(raw, parser)
        except (etree.XMLSyntaxError, ValueError):
            continue
        for decision in root.iter("{*}decision"):
            names = {str(o.get("name")).split(".", 1)[0] for o in decision.iter("{*}output") if o.get("name")}
            found[str(decision.get("id"))] = names
    return found


class _Graph:
    """The process's flow nodes with what each gives the data, and who precedes whom.

    What is known before each element is computed once for all of them (:meth:`_close`): one pass over
    the strongly connected components of the "precedes" graph in topological order, each component
    taking the union of what its predecessors know and give. A set of names is a bit set (an ``int``,
    bit ``i`` for the ``i``-th name in sorted order): a union costs one word per 30 names, done in C, and
    an element that adds nothing shares its predecessor's set. Checking a name is one bit test, so
    checking every expression costs the number of names read, not the number of names known."""

    def __init__(
        self,
        process: Any,
        decisions: dict[str, set[str]],
        forms: dict[str, str] | None = None,
        *,
        extra_names: Iterable[str] = (),
    ) -> None:
        self.forms = forms or {}
        self.nodes: dict[str, Any] = {}
        self.preds: dict[str, set[str]] = {}
        self.gives: dict[str, set[str] | None] = {}
        flow_preds: dict[str, set[str]] = {}  # sources of sequence flows only
        inherit: dict[str, str] = {}  # start event inside a sub-process -> the sub-process
        flow = f"{B}sequenceFlow"
        todo = [process]
        while todo:  # the process's elements and, recursively, those of its sub-processes
            parent = todo.pop()
            container = str(parent.get("id")) if parent is not process and parent.get("id") else None
            for node in parent:
                tag = node.tag
                if not isinstance(tag, str) or not tag.startswith(B) or not node.get("id"):
                    continue
                eid = str(node.get("id"))
                if tag == flow:
                    target, source = str(node.get("targetRef")), str(node.get("sourceRef"))
                    self.preds.setdefault(target, set()).add(source)
                    flow_preds.setdefault(target, set()).add(source)
                    continue
                name = tag[len(B) :]
                self.nodes[eid] = node
                self.gives[eid] = self._gives(node, name, decisions, self.forms.get(eid))
                if container is not None:
                    self.preds.setdefault(container, set()).add(eid)  # what follows it saw all inside
                    if name == "startEvent":
                        inherit[eid] = container
                if name == "boundaryEvent" and node.get("attachedToRef"):
                    self.preds.setdefault(eid, set()).add(str(node.get("attachedToRef")))
                if name in CONTAINERS:
                    todo.append(node)
        for start, container in inherit.items():  # what came before the sub-process, not its inside
            self.preds.setdefault(start, set()).update(flow_preds.get(container, set()))
        every = set(extra_names)
        for gives in self.gives.values():
            every |= gives or _NOTHING
        self.names = sorted(every)
        self.bit = {n: i for i, n in enumerate(self.names)}
        self.gives_bits: dict[str, int | None] = {
            eid: None if gives is None else self.bits(gives) for eid, gives in self.gives.items()
        }
        self._known = self._close()

    def bits(self, names: Iterable[str]) -> int:
        """The bit set of ``names`` (those of the graph's index; others are left out)."""
        out = 0
        for name in names:
            i = self.bit.get(name)
            if i is not None:
                out |= 1 << i
        return out

    def has(self, bits: int, name: str) -> bool:
        i = self.bit.get(name)
        return i is not None and bool((bits >> i) & 1)

    def first_names(self, bits: int, limit: int) -> tuple[list[str], bool]:
        """Up to ``limit`` names of ``bits`` in sorted order, leaving out reserved ones (``_…``); and
        whether more were left."""
        out: list[str] = []
        while bits:
            low = bits & -bits
            name = self.names[low.bit_length() - 1]
            bits ^= low
            if name.startswith("_"):
                continue
            if len(out) == limit:
                return out, True
            out.append(name)
        return out, False

    @staticmethod
    def _gives(
        node: Any, name: str, decisions: dict[str, set[str]], form: str | None = None
    ) -> set[str] | None:
        if name in FORM_TASKS:
            props = element_properties(node)
            if form:  # a form the deploy found for the step (camunda:formKey naming a published form)
                props["yunying:form"] = form
            gives = step_fields(props)
            loop = node.find(f"{B}multiInstanceLoopCharacteristics")
            out = loop.find(f"{B}loopDataOutputRef") if loop is not None else None
            if gives is not None and out is not None and (out.text or "").strip():
                gives.add((out.text or "").strip())
            return gives
        if name == "scriptTask":
            script = node.find(f"{B}script")
            try:
                return {n for n, _src in parse_assignments(script.text if script is not None else None)}
            except ScriptRefused:
                return set()
        if name == "businessRuleTask":
            ref = _BusinessRuleTaskParser.get_decision_ref(node)
            return set(decisions.get(ref or "", set()))
        if name in ("dataObject", "dataObjectReference"):
            return {v for v in (node.get("name"), node.get("id")) if v}
        return set()

    def known_bits(self, eid: str) -> int | None:
        """:meth:`known_before` as a bit set."""
        return self._known.get(eid, 0)

    def known_before(self, eid: str) -> set[str] | None:
        """Names given by every element that precedes ``eid`` (not ``eid`` itself); None if unknowable."""
        known = self._known.get(eid, 0)
        if known is None:
            return None
        out: set[str] = set()
        while known:
            low = known & -known
            out.add(self.names[low.bit_length() - 1])
            known ^= low
        return out

    def _close(self) -> dict[str, int | None]:
        """``known_before`` of every element: Tarjan's components (iterative) along "preceded by"
        edges come out predecessors first, so each is settled from already settled ones."""
        preds = {k: sorted(v) for k, v in self.preds.items()}
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        on_stack: set[str] = set()
        stack: list[str] = []
        known: dict[str, int | None] = {}
        inclusive: dict[str, int | None] = {}  # what an element knows after it ran
        counter = 0
        for root in list(self.preds) + list(self.nodes):
            if root in index:
                continue
            work = [(root, 0)]
            while work:
                v, i = work[-1]
                if i == 0:
                    index[v] = low[v] = counter
                    counter += 1
                    stack.append(v)
                    on_stack.add(v)
                edges = preds.get(v, [])
                if i < len(edges):
                    work[-1] = (v, i + 1)
                    w = edges[i]
                    if w not in index:
                        work.append((w, 0))
                    elif w in on_stack:
                        low[v] = min(low[v], index[w])
                    continue
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] != index[v]:
                    continue
                component = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == v:
                        break
                self._settle(component, preds, known, inclusive)
        return known

    def _settle(
        self,
        component: list[str],
        preds: dict[str, list[str]],
        known: dict[str, int | None],
        inclusive: dict[str, int | None],
    ) -> None:
        members = set(component) if len(component) > 1 else None
        cyclic = members is not None or component[0] in preds.get(component[0], [])
        union, unknowable = 0, False
        for v in component:
            for p in preds.get(v, []):
                if (members is not None and p in members) or p == v:
                    continue
                part = inclusive[p]
                if part is None:
                    unknowable = True
                elif part != union:
                    union |= part
        if cyclic:  # every member precedes every other (and itself)
            for v in component:
                gives = self.gives_bits.get(v, 0)
                if gives is None:
                    unknowable = True
                else:
                    union |= gives
        result = None if unknowable else union
        for v in component:
            known[v] = result
            gives = self.gives_bits.get(v, 0)
            if result is None or gives is None:
                inclusive[v] = None
            elif gives == 0 or gives & result == gives:
                inclusive[v] = result  # adds nothing: the same set, shared
            else:
                inclusive[v] = result | gives


def _names(text: str | None) -> frozenset[str] | None:
    try:
        return parse_expression(text or "").names
    except ExpressionError:
        return None  # reported by the engine's own checks


LISTED = 50  # names of the "available" listing of one refusal (then "…")


def _problem(element_id: str, unknown: Iterable[str], listing: list[str], more: bool) -> tuple[str, str]:
    known = "、".join(listing) + ("…" if more else "") if listing else "—"
    names = "、".join(f"'{n}'" for n in sorted(unknown))
    return element_id, _("未知字段 %(names)s（可用：%(known)s）") % {"names": names, "known": known}


def unknown_names(
    bpmn: bytes,
    process_id: str,
    start_event: str,
    *,
    dmn_files: Iterable[bytes] = (),
    forms: dict[str, str] | None = None,
) -> list[tuple[str, str]]:
    """``(element id, message)`` for every expression that reads a name the process will not have."""
    root = etree.fromstring(bpmn, etree.XMLParser(resolve_entities=False, no_network=True))
    process = next((p for p in root.iter(f"{B}process") if p.get("id") == process_id), None)
    if process is None or not start_event:
        return []
    graph = _Graph(process, _decision_outputs(dmn_files), forms, extra_names=BUILTINS)
    start_fields = graph.gives.get(start_event)
    start = graph.nodes.get(start_event)
    start_props = element_properties(start) if start is not None else {}
    if start_event in (forms or {}):
        start_props["yunying:form"] = (forms or {})[start_event]
    if start is None or start_fields is None or forms_bridge.StepForm.of(start_props).empty:
        return []  # free start data: names cannot be known
    base = set(BUILTINS) | start_fields
    for eid, node in graph.nodes.items():
        if local(node.tag) in ("dataObject", "dataObjectReference"):
            base |= graph.gives.get(eid) or set()
    base_bits = graph.bits(base)
    problems: list[tuple[str, str]] = []

    def check(
        owner: str, at: str, text: str | None, *, including: bool = False, extra: Collection[str] = ()
    ) -> None:
        names = _names(text)
        if not names:
            return
        before = graph.known_bits(at)
        if before is None:
            return
        own = graph.gives_bits.get(at, 0) if including else 0
        if own is None:
            return
        unknown = [
            n
            for n in names
            if n not in base and n not in extra and not graph.has(before, n) and not graph.has(own, n)
        ]
        if not unknown:
            return
        known = base_bits | before | own
        listing, more = graph.first_names(known, LISTED)
        outside = sorted(n for n in extra if n not in graph.bit and not n.startswith("_"))
        if outside:  # names of the step itself the graph's index does not hold (its loop items)
            listing = sorted(set(listing) | set(outside))
            more = more or len(listing) > LISTED
            listing = listing[:LISTED]
        problems.append(_problem(owner, unknown, listing, more))

    for flow in process.iter(f"{B}sequenceFlow"):
        cond = flow.find(f"{B}conditionExpression")
        if cond is not None:
            check(str(flow.get("id")), str(flow.get("sourceRef")), cond.text, including=True)
    for eid, node in graph.nodes.items():
        name = local(node.tag)
        for cond in node.findall(f"{B}conditionalEventDefinition/{B}condition"):
            check(eid, eid, cond.text)
        for timer in node.findall(f"{B}timerEventDefinition/*"):
            text = (timer.text or "").strip()
            if text and not _TIMER_ISO.match(text):
                check(eid, eid, text)
        if name == "scriptTask":
            script = node.find(f"{B}script")
            try:
                lines = parse_assignments(script.text if script is not None else None)
            except ScriptRefused:
                lines = []
            assigned: set[str] = set()
            for target, source in lines:
                check(eid, eid, source, extra=assigned)
                assigned.add(target)
        loop = node.find(f"{B}multiInstanceLoopCharacteristics")
        if loop is not None:
            card = loop.find(f"{B}loopCardinality")
            if card is not None:
                check(eid, eid, card.text)
            ref = loop.find(f"{B}loopDataInputRef")
            if ref is not None and (ref.text or "").strip().isidentifier():
                check(eid, eid, (ref.text or "").strip())
            items = {
                str(item.get("id"))
                for item in (loop.find(f"{B}inputDataItem"), loop.find(f"{B}outputDataItem"))
                if item is not None and item.get("id")
            }
            done = loop.find(f"{B}completionCondition")
            if done is not None:
                check(eid, eid, done.text, including=True, extra=items)
    return problems
