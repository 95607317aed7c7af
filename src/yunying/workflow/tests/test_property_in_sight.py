"""Property: whatever people do (approve, return, reject, withdraw) on small random diagrams, an
instance is never ``running`` without an open task row for each step the engine waits on, or a
timer/message it waits for."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yunying.core.errors import DomainError
from yunying.workflow import runtime, services
from yunying.workflow.models import OPEN_STATUSES, InstanceStatus, ProcessInstance, TaskKind

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
    nodes = [
        '<bpmn:startEvent id="start"/>',
        '<bpmn:scriptTask id="init"><bpmn:script>rounds = 0</bpmn:script></bpmn:scriptTask>',
    ]
    flows = [("start", "init")]
    for i, (rule, form, if_empty) in enumerate(steps):
        extra = ' yunying:fields="note?:text:备注"' if form else ""
        extra += f' yunying:ifEmpty="{if_empty}"' if if_empty else ""
        nodes.append(f'<bpmn:userTask id="s{i}" name="步骤{i}" yunying:assignee="{rule}"{extra}/>')
    if parallel:
        nodes += ['<bpmn:parallelGateway id="split"/>', '<bpmn:parallelGateway id="join"/>']
        flows += [
            ("init", "s0"),
            ("s0", "split"),
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
        last = "init"
        for i in range(n):
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
        '<bpmn:process id="p" isExecutable="true">' + "".join(nodes) + "".join(flow_xml) + "</bpmn:process>"
        "</bpmn:definitions>"
    )
    return xml.encode(), n


ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["approve", "approve", "approve", "return", "reject", "withdraw", "resubmit"]),
        st.integers(0, 5),
    ),
    max_size=12,
)


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


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(diagram=diagrams(), actions=ACTIONS)
def test_no_instance_runs_out_of_sight(
    chain: Any, deployer: Any, diagram: tuple[bytes, int], actions: Any
) -> None:
    xml, _n = diagram
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
            if action == "withdraw":
                services.instance_withdraw(actor=requester, instance_id=instance.pk)
            elif rows:
                task = rows[pick % len(rows)]
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
