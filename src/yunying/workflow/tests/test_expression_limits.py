"""Expression bombs in the places a diagram holds expressions: refused at deploy when they can be seen in
the text, and at run time one visible evaluation error (never a frozen worker, a MemoryError or a 500).
A timer that cannot be evaluated stops its instance once; the next ticks leave it alone."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yunying.accounts.services import token_create
from yunying.core.errors import DomainError
from yunying.workflow import services
from yunying.workflow.engine import EngineError, InvalidExpressions, parse_definition, start_instance
from yunying.workflow.errors import DeployRefused
from yunying.workflow.models import InstanceStatus, ProcessInstance, ProcessVersion
from yunying.workflow.rules import process_rule_save
from yunying.workflow.tests.conftest import read
from yunying.workflow.timers import legacy_timers_tick

pytestmark = pytest.mark.django_db

LIMIT = "表达式超出计算限制"
BOMB = "[[[1]*10000]*10000]*10000 == [[[1]*10000]*10000]*10000"
RUNTIME_BOMB = "[[[n]*n]*n]*n == [[[n]*n]*n]*n"  # only the data shows how big it gets

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:yunying="http://yunying.dev/schema/bpmn/1.0" id="D" targetNamespace="t">
  <bpmn:process id="p" name="p" isExecutable="true">
    <bpmn:startEvent id="start" yunying:fields="n:number:次数"/>
"""
TAIL = """
  </bpmn:process>
</bpmn:definitions>"""


def gateway_xml(condition: str) -> bytes:
    return (
        HEAD
        + f"""
    <bpmn:exclusiveGateway id="which" default="f_normal"/>
    <bpmn:userTask id="odd" name="异常" yunying:assignee="user:gm"/>
    <bpmn:userTask id="normal" name="审核" yunying:assignee="user:gm"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="which"/>
    <bpmn:sequenceFlow id="f_bomb" sourceRef="which" targetRef="odd">
      <bpmn:conditionExpression>{condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_normal" sourceRef="which" targetRef="normal"/>
    <bpmn:sequenceFlow id="f2" sourceRef="odd" targetRef="end"/>
    <bpmn:sequenceFlow id="f3" sourceRef="normal" targetRef="end"/>"""
        + TAIL
    ).encode()


def element_xml(element: str) -> bytes:
    """start → ``element`` (id "x") → 审核 → end."""
    return (
        HEAD
        + element
        + """
    <bpmn:userTask id="review" name="审核" yunying:assignee="user:gm"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="x"/>
    <bpmn:sequenceFlow id="f2" sourceRef="x" targetRef="review"/>
    <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="end"/>"""
        + TAIL
    ).encode()


def timers_xml(second: str) -> bytes:
    """start → wait an hour → wait ``second`` → 审核 → end."""
    return (
        HEAD
        + f"""
    <bpmn:intermediateCatchEvent id="hour"><bpmn:timerEventDefinition>
      <bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="x"><bpmn:timerEventDefinition>
      <bpmn:timeDuration>{second}</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:userTask id="review" name="审核" yunying:assignee="user:gm"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="hour"/>
    <bpmn:sequenceFlow id="f2" sourceRef="hour" targetRef="x"/>
    <bpmn:sequenceFlow id="f3" sourceRef="x" targetRef="review"/>
    <bpmn:sequenceFlow id="f4" sourceRef="review" targetRef="end"/>"""
        + TAIL
    ).encode()


def two_hours_later(monkeypatch: pytest.MonkeyPatch) -> None:
    """The company clock (which the engine's timers and the due-work tick read) two hours on."""
    monkeypatch.setenv("YUNYING_CLOCK_OFFSET_SECONDS", str(2 * 3600))


class Api:
    def __init__(self, client: Any, user: Any) -> None:
        self.client = client
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=user, name='t')[1]}"}

    def deploy(self, key: str, xml: bytes) -> Any:
        files = {"bpmn": SimpleUploadedFile("p.bpmn", xml, content_type="application/xml")}
        return self.client.post(
            "/api/workflow/definitions", {"key": key, "name": "测试", **files}, **self.auth
        )

    def start(self, key: str, data: dict[str, Any]) -> Any:
        body = json.dumps({"key": key, "data": data})
        return self.client.post("/api/workflow/instances", body, content_type="application/json", **self.auth)


def test_a_gateway_bomb_is_refused_at_deploy_through_the_api(client: Any, deployer: Any) -> None:
    before = ProcessVersion.objects.count()
    response = Api(client, deployer).deploy("bomb", gateway_xml(BOMB))
    assert response.status_code == 422
    [problem] = response.json()["problems"]
    assert problem["id"] == "f_bomb" and LIMIT in problem["message"]
    assert ProcessVersion.objects.count() == before


def test_a_gateway_bomb_fed_by_the_data_fails_the_one_request_visibly(
    client: Any, deployer: Any, chain: Any
) -> None:
    admin = Api(client, deployer)
    assert admin.deploy("bomb", gateway_xml(RUNTIME_BOMB)).status_code == 201
    requester = Api(client, chain.users["store_a1"])
    assert requester.start("bomb", {"n": 2}).status_code == 201
    response = requester.start("bomb", {"n": 10000})
    assert 400 <= response.status_code < 500, response.content
    stopped = ProcessInstance.objects.filter(status=InstanceStatus.ERROR).first()
    shown = json.dumps(response.json(), ensure_ascii=False) + (stopped.error if stopped else "")
    assert LIMIT in shown


@pytest.mark.parametrize(
    "element",
    [
        f'<bpmn:scriptTask id="x" name="脚本"><bpmn:script>ok = 1\nbig = {BOMB}</bpmn:script></bpmn:scriptTask>',
        '<bpmn:userTask id="x" name="会签" yunying:assignee="user:gm"><bpmn:multiInstanceLoopCharacteristics>'
        "<bpmn:loopCardinality>len([[[n]*10000]*10000]*10000)</bpmn:loopCardinality>"
        "</bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>",
    ],
    ids=["script line", "multi-instance cardinality"],
)
def test_script_and_multi_instance_bombs_are_refused_at_deploy(deploy: Any, element: str) -> None:
    with pytest.raises(DeployRefused) as info:
        deploy("x.bpmn", key="bomb", xml=element_xml(element))
    [(element_id, message)] = info.value.problems
    assert element_id == "x" and LIMIT in message


def test_dmn_cells_are_bounded() -> None:
    table = read("approver_table.dmn")
    static = table.replace(b"days_base + 2", b"len('a' * 10**9)")
    with pytest.raises(InvalidExpressions) as info:
        parse_definition(read("discount_rule.bpmn"), dmn_files=[static])
    [(cell, message)] = info.value.problems
    assert cell == "r3_o2" and LIMIT in message
    fed = table.replace(b"days_base + 2", b"len(str([[[days_base]*days_base]*days_base]*days_base))")
    definition = parse_definition(read("discount_rule.bpmn"), dmn_files=[fed])
    assert (
        start_instance(definition, {"discount": 0.2, "region": "west", "days_base": 2}).is_completed()
        is False
    )
    with pytest.raises(EngineError) as failed:
        start_instance(definition, {"discount": 0.2, "region": "west", "days_base": 10000})
    assert LIMIT in failed.value.message


def test_a_timer_that_cannot_be_evaluated_stops_its_instance_once(
    deploy: Any, chain: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from yunying.workflow.tasks import due_work_tick as timers_tick

    with pytest.raises(DeployRefused) as refused:
        deploy("t.bpmn", key="timer-static", xml=timers_xml("'PT' + str(len('a' * 10**9)) + 'S'"))
    assert refused.value.problems[0][0] == "x" and LIMIT in refused.value.problems[0][1]

    deploy("t.bpmn", key="timer", xml=timers_xml("'PT' + str(len(str([[[n]*n]*n]*n))) + 'S'"))
    instance = services.instance_start(actor=chain.users["store_a1"], key="timer", data={"n": 10000})
    assert instance.status == InstanceStatus.RUNNING and instance.has_timers

    two_hours_later(monkeypatch)
    timers_tick.call_local()
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.ERROR and LIMIT in instance.error
    [line] = instance.events.filter(action="error")
    assert line.to_state == "error" and LIMIT in line.comment and instance.timer_due_at is None
    events = instance.events.count()
    timers_tick.call_local()  # the next minute: nothing retried
    legacy_timers_tick()
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.ERROR and instance.events.count() == events


def test_rule_conditions_are_bounded(deploy: Any, deployer: Any, chain: Any) -> None:
    version = deploy("x.bpmn", key="ruled", xml=element_xml('<bpmn:task id="x" name="记录"/>'))
    with pytest.raises(DomainError) as refused:
        process_rule_save(
            actor=deployer,
            definition=version.definition,
            name="炸弹",
            event="instance_started",
            condition=BOMB,
            action="archive",
        )
    assert refused.value.field == "condition" and LIMIT in str(refused.value)
    process_rule_save(
        actor=deployer,
        definition=version.definition,
        name="大数据",
        event="instance_started",
        condition=RUNTIME_BOMB,
        action="archive",
    )
    instance = services.instance_start(actor=chain.users["store_a1"], key="ruled", data={"n": 10000})
    [line] = instance.events.filter(action="rule")
    assert "大数据" in line.comment and LIMIT in line.comment
    assert instance.status == InstanceStatus.RUNNING and instance.archived_at is None


def test_a_timer_value_the_engine_cannot_read_stops_its_instance_once(
    deploy: Any, chain: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from yunying.workflow.tasks import due_work_tick as timers_tick

    deploy("t.bpmn", key="timer", xml=timers_xml("'soon' + str(n)"))
    deploy("t.bpmn", key="timer-ok", xml=timers_xml("'PT' + str(n) + 'M'"))
    instance = services.instance_start(actor=chain.users["store_a1"], key="timer", data={"n": 1})
    healthy = services.instance_start(actor=chain.users["store_a1"], key="timer-ok", data={"n": 1})
    two_hours_later(monkeypatch)
    # the healthy one's two timers (each due moment fires once); the broken one does not stop the tick
    assert timers_tick.call_local() == 2
    assert [e.data["element"] for e in healthy.events.filter(action="timer").order_by("pk")] == ["hour", "x"]
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.ERROR and instance.error.startswith("定时器无法继续")
    [line] = instance.events.filter(action="error")
    assert line.to_state == "error" and line.comment == instance.error and instance.timer_due_at is None
    healthy.refresh_from_db()
    assert healthy.status == InstanceStatus.RUNNING
    assert list(healthy.tasks.values_list("element_id", flat=True)) == ["review"]
    events = instance.events.count()
    assert timers_tick.call_local() == 0
    assert legacy_timers_tick() == 0
    instance.refresh_from_db()
    assert instance.events.count() == events
