"""Property: whatever people do (approve, return, reject, withdraw) on small random diagrams, an
instance is never ``running`` without an open task row for each step the engine waits on, or a
timer/message it waits for — also while the company clock moves on past timers (an intermediate
timer, an interrupting timer on a step), messages arrive (or are sent when nothing waits) and a call
activity runs a called process (marked ``isExecutable="false"``, as modelers save it)."""

from __future__ import annotations

import itertools
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from yunying.core.errors import DomainError
from yunying.workflow import runtime, services
from yunying.workflow.models import OPEN_STATUSES, InstanceStatus, ProcessInstance, TaskKind
from yunying.workflow.timers import due_work_tick

pytestmark = pytest.mark.django_db

ASSIGNEES = ["position:MGMT-HEAD", "position:GM", "position:SUPERVISOR", "region:AREA-MGR", "chosen:nobody"]
_KEYS = itertools.count()


@st.composite
def diagrams(draw: Any) -> tuple[bytes, int]:
    n = draw(st.integers(1, 4))
    steps = [
        (draw(st.sampled_from(ASSIGNEES)), draw(st.booleans()), draw(st.sampled_from(["", "stop", "skip"])))
        for _i in range(n)
    ]
    loop = draw(st.booleans())
    parallel = n >= 3 and draw(st.booleans())
    # After the first step, in this order when drawn: a call activity, a timer wait, a message wait;
    # and an interrupting timer on the first step itself.
    extras = [e for e in ("call", "wait", "msg") if draw(st.booleans())]
    boundary = draw(st.booleans())
    called_rule = draw(st.sampled_from(ASSIGNEES))
    nodes = [
        '<bpmn:startEvent id="start"/>',
        '<bpmn:scriptTask id="init"><bpmn:script>rounds = 0</bpmn:script></bpmn:scriptTask>',
    ]
    flows = [("start", "init")]
    for i, (rule, form, if_empty) in enumerate(steps):
        extra = ' yunying:fields="note?:text:备注"' if form else ""
        extra += f' yunying:ifEmpty="{if_empty}"' if if_empty else ""
        nodes.append(f'<bpmn:userTask id="s{i}" name="步骤{i}" yunying:assignee="{rule}"{extra}/>')
    nodes += [EXTRA_NODES[e] for e in extras]
    if boundary:
        nodes.append(
            '<bpmn:boundaryEvent id="late" attachedToRef="s0"><bpmn:timerEventDefinition>'
            "<bpmn:timeDuration>PT3H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>"
        )
        flows.append(("late", "end"))
    after_first = "s0"
    for e in extras:
        flows.append((after_first, e))
        after_first = e
    if parallel:
        nodes += ['<bpmn:parallelGateway id="split"/>', '<bpmn:parallelGateway id="join"/>']
        flows += [
            ("init", "s0"),
            (after_first, "split"),
            ("split", "s1"),
            ("split", "s2"),
            ("s1", "join"),
            ("s2", "join"),
        ]
        last = "join"
        for i in range(3, n):
            flows.append((last, f"s{i}"))
            last = f"s{i}"
    else:
        flows.append(("init", "s0"))
        last = after_first
        for i in range(1, n):
            flows.append((last, f"s{i}"))
            last = f"s{i}"
    nodes.append('<bpmn:endEvent id="end"/>')
    conditions: dict[tuple[str, str], str] = {}
    if loop:
        nodes += [
            '<bpmn:scriptTask id="count"><bpmn:script>rounds = rounds + 1</bpmn:script></bpmn:scriptTask>',
            '<bpmn:exclusiveGateway id="again" default="f_end"/>',
        ]
        flows += [(last, "count"), ("count", "again"), ("again", "s0")]
        conditions[("again", "s0")] = "rounds &lt; 2"
        flows.append(("again", "end"))
    else:
        flows.append((last, "end"))
    flow_xml = []
    for k, (a, b) in enumerate(flows):
        fid = "f_end" if (a, b) == ("again", "end") else f"f{k}"
        cond = conditions.get((a, b))
        body = f"<bpmn:conditionExpression>{cond}</bpmn:conditionExpression>" if cond else ""
        flow_xml.append(
            f'<bpmn:sequenceFlow id="{fid}" sourceRef="{a}" targetRef="{b}">{body}</bpmn:sequenceFlow>'
        )
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:yunying="http://yunying.dev/schema/bpmn/1.0" id="D" targetNamespace="t">'
        '<bpmn:message id="m_go" name="go"/>'
        '<bpmn:process id="p" isExecutable="true">'
        + "".join(nodes)
        + "".join(flow_xml)
        + "</bpmn:process>"
        + (CALLED.replace("RULE", called_rule) if "call" in extras else "")
        + "</bpmn:definitions>"
    )
    return xml.encode(), n


EXTRA_NODES = {
    "wait": '<bpmn:intermediateCatchEvent id="wait" name="等一小时"><bpmn:timerEventDefinition>'
    "<bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>",
    "msg": '<bpmn:intermediateCatchEvent id="msg" name="等通知">'
    '<bpmn:messageEventDefinition messageRef="m_go"/></bpmn:intermediateCatchEvent>',
    "call": '<bpmn:callActivity id="call" name="子流程" calledElement="sub"/>',
}
CALLED = (
    '<bpmn:process id="sub" isExecutable="false"><bpmn:startEvent id="sub_start"/>'
    '<bpmn:userTask id="sub_step" name="子流程审批" yunying:assignee="RULE"/><bpmn:endEvent id="sub_end"/>'
    '<bpmn:sequenceFlow id="sf1" sourceRef="sub_start" targetRef="sub_step"/>'
    '<bpmn:sequenceFlow id="sf2" sourceRef="sub_step" targetRef="sub_end"/></bpmn:process>'
)

ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(
            ["approve", "approve", "approve", "return", "reject", "withdraw", "resubmit", "clock", "message"]
        ),
        st.integers(0, 5),
    ),
    max_size=14,
)
OFFSET = "YUNYING_CLOCK_OFFSET_SECONDS"


def _actor(task: Any) -> Any:
    if task.assignee is not None:
        return task.assignee
    return task.candidate_users.first()


def _check_in_sight(instance_id: int) -> None:
    instance = ProcessInstance.objects.select_related("version").get(pk=instance_id)
    if instance.status != InstanceStatus.RUNNING:
        return
    rows = list(instance.tasks.filter(status__in=OPEN_STATUSES))
    eng = runtime.engine_load(instance)
    if instance.waiting_for_requester:
        assert any(r.kind == TaskKind.RESUBMIT for r in rows)
        return
    covered = {r.engine_task_id for r in rows}
    for info in eng.ready_user_tasks():
        assert info.id in covered, f"READY step {info.element_id} has no open task row"
    assert rows or eng.is_waiting_for_event(), "running with nothing to wait for"


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(diagram=diagrams(), actions=ACTIONS)
def test_no_instance_runs_out_of_sight(
    chain: Any, deployer: Any, diagram: tuple[bytes, int], actions: Any
) -> None:
    saved = os.environ.get(OFFSET)
    try:
        _run(chain, deployer, diagram, actions)
    finally:
        if saved is None:
            os.environ.pop(OFFSET, None)
        else:
            os.environ[OFFSET] = saved


def _run(chain: Any, deployer: Any, diagram: tuple[bytes, int], actions: Any) -> None:
    xml, _n = diagram
    offset = 0.0
    key = f"prop-{next(_KEYS)}"
    services.definition_deploy(actor=deployer, key=key, name=key, bpmn_xml=xml)
    requester = chain.users["store_a1"]
    instance = services.instance_start(actor=requester, key=key, data={})
    _check_in_sight(instance.pk)
    for action, pick in actions:
        rows = list(
            ProcessInstance.objects.get(pk=instance.pk)
            .tasks.filter(status__in=OPEN_STATUSES)
            .select_related("assignee")
            .order_by("pk")
        )
        try:
            if action == "clock":  # the company clock moves four hours on; due timers fire
                offset += 4 * 3600
                os.environ[OFFSET] = str(offset)
                if due_work_tick():
                    event("a timer fired")  # --hypothesis-show-statistics tells how often
            elif action == "message":  # refused (nothing changes) unless the instance waits for it
                services.instance_message(actor=deployer, instance_id=instance.pk, name="go")
                event("a message was delivered")
            elif action == "withdraw":
                services.instance_withdraw(actor=requester, instance_id=instance.pk)
            elif rows:
                task = rows[pick % len(rows)]
                if task.element_id == "sub_step":
                    event("a step of the called process was acted on")
                actor = _actor(task)
                if actor is None:
                    continue
                if action == "return":
                    services.task_return(actor=actor, task_id=task.pk, to="requester", comment="补充")
                elif action == "resubmit":
                    services.task_resubmit(actor=actor, task_id=task.pk, data={})
                else:
                    services.task_complete(actor=actor, task_id=task.pk, action=action, comment="意见")
        except DomainError:
            pass  # a refusal changes nothing; the invariant must hold all the same
        _check_in_sight(instance.pk)


def test_the_clock_moved_by_the_property_test_fires_timers(chain: Any, deployer: Any) -> None:
    # The "clock" action of the property test is real: moving the company clock past a timer wait
    # fires it at the next tick, and the step after it opens.
    xml = (
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:yunying="http://yunying.dev/schema/bpmn/1.0" id="D" targetNamespace="t">'
        '<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="start"/>'
        + EXTRA_NODES["wait"]
        + '<bpmn:userTask id="s0" name="步骤0" yunying:assignee="position:GM"/><bpmn:endEvent id="end"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="s0"/>'
        '<bpmn:sequenceFlow id="f3" sourceRef="s0" targetRef="end"/></bpmn:process></bpmn:definitions>'
    ).encode()
    services.definition_deploy(actor=deployer, key="prop-clock", name="prop-clock", bpmn_xml=xml)
    instance = services.instance_start(actor=chain.users["store_a1"], key="prop-clock", data={})
    _check_in_sight(instance.pk)
    saved = os.environ.get(OFFSET)
    try:
        assert due_work_tick() == 0
        os.environ[OFFSET] = str(4 * 3600)
        assert due_work_tick() == 1
    finally:
        if saved is None:
            os.environ.pop(OFFSET, None)
        else:
            os.environ[OFFSET] = saved
    _check_in_sight(instance.pk)
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.RUNNING and instance.current_steps == "步骤0"
    assert "timer" in list(instance.events.values_list("action", flat=True))


def test_a_timer_that_ends_the_instance_counts_as_fired(chain: Any, deployer: Any) -> None:
    # An interrupting timer on the only step ends the instance: the tick says it fired one timer.
    xml = (
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:yunying="http://yunying.dev/schema/bpmn/1.0" id="D" targetNamespace="t">'
        '<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="start"/>'
        '<bpmn:boundaryEvent id="late" name="超时" attachedToRef="s0"><bpmn:timerEventDefinition>'
        "<bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>"
        '<bpmn:userTask id="s0" name="步骤0" yunying:assignee="position:GM"/><bpmn:endEvent id="end"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="s0"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="s0" targetRef="end"/>'
        '<bpmn:sequenceFlow id="f3" sourceRef="late" targetRef="end"/></bpmn:process></bpmn:definitions>'
    ).encode()
    services.definition_deploy(actor=deployer, key="prop-late", name="prop-late", bpmn_xml=xml)
    instance = services.instance_start(actor=chain.users["store_a1"], key="prop-late", data={})
    saved = os.environ.get(OFFSET)
    try:
        os.environ[OFFSET] = str(4 * 3600)
        assert due_work_tick() == 1
    finally:
        if saved is None:
            os.environ.pop(OFFSET, None)
        else:
            os.environ[OFFSET] = saved
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED and instance.timer_due_at is None
    actions = list(instance.events.values_list("action", flat=True))
    assert "timer" in actions and "step_cancelled" in actions
