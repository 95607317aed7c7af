"""System steps (service tasks running registered actions) and rule-triggered actions (规则)."""

from __future__ import annotations

from typing import Any

import pytest

from yunying.core.errors import DomainError
from yunying.notifications.models import Delivery, Notification
from yunying.workflow import services, system_actions
from yunying.workflow.errors import DeployRefused
from yunying.workflow.models import CarbonCopy, InstanceEvent, ProcessRule, TaskStatus, WorkTask
from yunying.workflow.rules import process_rule_save
from yunying.workflow.tests.conftest import open_tasks

pytestmark = pytest.mark.django_db

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:yunying="http://yunying.dev/schema/bpmn/1.0" id="D" targetNamespace="t">
  <bpmn:process id="p" name="p" isExecutable="true">
    <bpmn:startEvent id="start" yunying:fields="amount:money:金额"/>
"""


def system_xml(after_review: str = "") -> bytes:
    """start → notify the GM (service task) → 审核 (area manager) → [after_review] → archive → end."""
    extra = (
        after_review
        or '<bpmn:serviceTask id="noop" name="无" yunying:action="set" yunying:params="field=x; value=1"/>'
    )
    return (
        HEAD
        + """
    <bpmn:serviceTask id="tell_gm" name="通知总经理" yunying:action="notify"
        yunying:params='{"to": "position:GM", "message": "新申请：金额 {amount} 元，发起人 {requester}"}'/>
    <bpmn:userTask id="review" name="审核" yunying:assignee="region:AREA-MGR"/>
    """
        + extra
        + """
    <bpmn:serviceTask id="file_it" name="归档" yunying:action="archive" yunying:params="note=已归档"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="tell_gm"/>
    <bpmn:sequenceFlow id="f2" sourceRef="tell_gm" targetRef="review"/>
    <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="EXTRA"/>
    <bpmn:sequenceFlow id="f4" sourceRef="EXTRA" targetRef="file_it"/>
    <bpmn:sequenceFlow id="f5" sourceRef="file_it" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>""".replace("EXTRA", extra.split('id="')[1].split('"')[0])
    ).encode()


def plain_xml() -> bytes:
    return (
        HEAD
        + """
    <bpmn:userTask id="review" name="审核" yunying:assignee="region:AREA-MGR"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""
    ).encode()


def _start(chain: Any, key: str, amount: str) -> Any:
    return services.instance_start(actor=chain.users["store_a1"], key=key, data={"amount": amount})


def test_system_steps_notify_and_archive_write_their_rows(
    deploy: Any, chain: Any, django_capture_on_commit_callbacks: Any
) -> None:
    deploy("sys.bpmn", key="sys", xml=system_xml())
    with django_capture_on_commit_callbacks(execute=True):
        instance = _start(chain, "sys", "1500")
    # in-app only (the GM has no e-mail address, no robot listens): nothing waits in the outbox
    assert not Delivery.objects.filter(notification__instance=instance).exists()
    [note] = Notification.objects.filter(instance=instance, kind="system")
    assert note.recipient == chain.users["gm"] and note.kind == "system"
    assert note.message == "新申请：金额 1500.00 元，发起人 store_a1"
    assert note.delivered_at is not None  # on_commit → Huey (immediate in tests)
    [task] = open_tasks(instance)
    services.task_approve(actor=chain.users["area_a"], task_id=task.pk)
    instance.refresh_from_db()
    assert instance.status == "completed" and instance.archived_at is not None
    assert instance.data["x"] == 1  # the `set` step
    events = list(InstanceEvent.objects.filter(instance=instance))
    actions = [e.action for e in events]
    assert actions == ["start", "system", "assigned", "approve", "system", "archive", "system", "completed"]
    system = [e for e in events if e.action == "system"]
    assert [e.step for e in system] == ["通知总经理", "无", "归档"]
    assert system[0].data["action"] == "notify" and system[0].data["element"] == "tell_gm"
    archive = next(e for e in events if e.action == "archive")
    assert archive.comment == "已归档" and archive.data["snapshot"]["amount"] == "1500.00"


def test_the_set_step_feeds_the_following_gateway(deploy: Any, chain: Any) -> None:
    xml = system_xml(
        '<bpmn:serviceTask id="calc" name="计算" yunying:action="set" yunying:params="field=big; value=amount &gt; 1000"/>'
    )
    deploy("sys.bpmn", key="sys2", xml=xml)
    instance = _start(chain, "sys2", "2000")
    [task] = open_tasks(instance)
    services.task_approve(actor=chain.users["area_a"], task_id=task.pk)
    instance.refresh_from_db()
    assert instance.data["big"] is True


def test_cc_step_adds_a_copied_to_me_entry(deploy: Any, chain: Any) -> None:
    deploy(
        "sys.bpmn",
        key="sys-cc",
        xml=system_xml(
            '<bpmn:serviceTask id="copy" name="抄送" yunying:action="cc" yunying:params="to=position:GM"/>'
        ),
    )
    instance = _start(chain, "sys-cc", "10")
    [task] = open_tasks(instance)
    services.task_approve(actor=chain.users["area_a"], task_id=task.pk)
    [cc] = CarbonCopy.objects.filter(instance=instance)
    assert cc.user == chain.users["gm"] and cc.step == "抄送"


@pytest.mark.parametrize(
    ("service", "needle"),
    [
        ('yunying:action="launch_rockets"', "unknown action 'launch_rockets'"),
        ('yunying:action="notify" yunying:params="to=position:GM"', "needs the parameter 'message'"),
        ('yunying:action="notify" yunying:params="to=planet:X; message=hi"', "unknown kind 'planet'"),
        ('yunying:action="set" yunying:params="field=x; value=__import__(1)"', "value:"),
        ('yunying:action="archive" yunying:params="colour=red"', "has no parameter colour"),
        ('yunying:action="notify" yunying:params="{not json"', "not valid JSON"),
    ],
)
def test_bad_system_steps_are_refused_at_deploy(deploy: Any, service: str, needle: str) -> None:
    xml = system_xml(f'<bpmn:serviceTask id="bad_step" name="坏" {service}/>')
    with pytest.raises(DeployRefused) as exc:
        deploy("sys.bpmn", key="sys-bad", xml=xml)
    assert any(eid == "bad_step" and needle in msg for eid, msg in exc.value.problems), exc.value.problems


def test_a_failing_action_puts_the_instance_in_error_and_retry_goes_on(
    deploy: Any, chain: Any, deployer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    deploy("sys.bpmn", key="sys-fail", xml=system_xml())
    instance = _start(chain, "sys-fail", "10")
    before_events = InstanceEvent.objects.filter(instance=instance).count()
    before_notes = Notification.objects.count()

    def boom(inst: Any, params: Any, data: Any) -> None:
        from yunying.workflow.notify import notify

        notify([chain.users["gm"]], kind="system", message="half", instance=inst)  # written, then undone
        raise RuntimeError("archive store offline")

    original = system_actions.REGISTRY["archive"]
    monkeypatch.setitem(
        system_actions.REGISTRY, "archive", system_actions.SystemAction("archive", "", original.params, boom)
    )
    [task] = open_tasks(instance)
    services.task_approve(actor=chain.users["area_a"], task_id=task.pk)
    instance.refresh_from_db()
    task.refresh_from_db()
    # The person's decision stands; the instance stops in error with the reason, nothing the
    # failing steps wrote is kept.
    assert instance.status == "error" and "archive store offline" in instance.error
    assert task.status == TaskStatus.COMPLETED and instance.archived_at is None
    assert "x" not in instance.data  # the `set` step before it is undone too
    actions = list(InstanceEvent.objects.filter(instance=instance).values_list("action", flat=True))
    assert len(actions) == before_events + 2 and actions[-2:] == ["approve", "error"]
    error = InstanceEvent.objects.get(instance=instance, action="error")
    assert error.data == {"element": "file_it"}
    assert not Notification.objects.filter(message="half").exists()
    assert Notification.objects.count() > before_notes  # the requester and the head are told

    # Once the store is back, 重试 completes the decided step and the instance runs on.
    monkeypatch.setitem(system_actions.REGISTRY, "archive", original)
    services.instance_retry(actor=deployer, instance_id=instance.pk)
    instance.refresh_from_db()
    assert instance.status != "error" and instance.archived_at is not None


def test_a_database_error_in_an_action_is_undone_with_the_step(
    deploy: Any, chain: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A system step inside an action runs in the action's savepoint (none of its own): a statement the
    database refuses takes back what the step wrote, and the action still records the error."""
    from django.db import IntegrityError

    from yunying.accounts.models import User

    deploy("sys.bpmn", key="sys-db", xml=system_xml())
    instance = _start(chain, "sys-db", "10")

    def clash(inst: Any, params: Any, data: Any) -> None:
        User.objects.create(username="written-then-undone")
        User.objects.create(username=chain.users["gm"].username)  # taken: the database refuses

    original = system_actions.REGISTRY["archive"]
    monkeypatch.setitem(
        system_actions.REGISTRY, "archive", system_actions.SystemAction("archive", "", original.params, clash)
    )
    [task] = open_tasks(instance)
    services.task_approve(actor=chain.users["area_a"], task_id=task.pk)
    instance.refresh_from_db()
    assert instance.status == "error" and IntegrityError.__name__ in instance.error
    assert not User.objects.filter(username="written-then-undone").exists()
    assert WorkTask.objects.get(pk=task.pk).status == TaskStatus.COMPLETED  # the decision stands
    actions = list(InstanceEvent.objects.filter(instance=instance).values_list("action", flat=True))
    assert actions[-2:] == ["approve", "error"]


def test_rule_on_start_notifies_the_gm_only_above_1000(deploy: Any, chain: Any, deployer: Any) -> None:
    version = deploy("plain.bpmn", key="buy", xml=plain_xml())
    rule = process_rule_save(
        actor=deployer,
        definition=version.definition,
        name="大额通知总经理",
        event="instance_started",
        condition="amount > 1000",
        action="notify",
        params={"to": "position:GM", "message": "大额申请 {amount} 元"},
    )
    small = _start(chain, "buy", "800")
    assert not Notification.objects.filter(instance=small, kind="system").exists()
    assert not small.events.filter(action="rule").exists()
    big = _start(chain, "buy", "1200")
    [note] = Notification.objects.filter(instance=big, kind="system")
    assert note.recipient == chain.users["gm"] and note.message == "大额申请 1200.00 元"
    [line] = big.events.filter(action="rule")
    assert line.comment == "大额通知总经理" and line.data["event"] == "instance_started"
    # inactive rules do not fire
    process_rule_save(
        actor=deployer,
        definition=version.definition,
        rule=rule,
        name=rule.name,
        event=rule.event,
        condition=rule.condition,
        action=rule.action,
        params=rule.params,
        is_active=False,
    )
    again = _start(chain, "buy", "5000")
    assert not Notification.objects.filter(instance=again, kind="system").exists()


def test_rules_on_step_completion_completion_and_rejection(deploy: Any, chain: Any, deployer: Any) -> None:
    version = deploy("plain.bpmn", key="buy2", xml=plain_xml())
    definition = version.definition
    process_rule_save(
        actor=deployer,
        definition=definition,
        name="审核后抄送",
        event="step_completed",
        step="review",
        condition='outcome == "approved"',
        action="cc",
        params={"to": "position:GM"},
    )
    process_rule_save(
        actor=deployer,
        definition=definition,
        name="通过后归档",
        event="instance_completed",
        action="archive",
    )
    process_rule_save(
        actor=deployer,
        definition=definition,
        name="驳回通知发起人",
        event="instance_rejected",
        action="notify",
        params="to=requester; message=您的申请（{amount} 元）被驳回",
    )
    ok = _start(chain, "buy2", "10")
    [task] = open_tasks(ok)
    services.task_approve(actor=chain.users["area_a"], task_id=task.pk)
    ok.refresh_from_db()
    assert ok.status == "completed" and ok.archived_at is not None
    assert CarbonCopy.objects.filter(instance=ok, user=chain.users["gm"]).exists()
    assert [e.comment for e in ok.events.filter(action="rule")] == ["审核后抄送", "通过后归档"]
    no = _start(chain, "buy2", "20")
    [task] = open_tasks(no)
    services.task_reject(actor=chain.users["area_a"], task_id=task.pk, comment="不行")
    [note] = Notification.objects.filter(instance=no, kind="system")
    assert note.recipient == chain.users["store_a1"] and note.message == "您的申请（20.00 元）被驳回"
    assert not CarbonCopy.objects.filter(instance=no).exists()  # outcome was "rejected"


@pytest.mark.parametrize(
    ("kwargs", "field", "needle"),
    [
        ({"condition": "amount >"}, "condition", "条件无法通过检查"),
        ({"condition": "amout > 1000"}, "condition", "amout"),
        ({"condition": "().__class__"}, "condition", "条件无法通过检查"),
        ({"action": "launch"}, "action", "launch"),
        ({"params": {"to": "position:GM"}}, "params", "message"),
        ({"event": "sometime"}, "event", "sometime"),
        ({"step": "review"}, "step", "步骤完成"),
    ],
)
def test_bad_rules_are_refused_when_saved(
    deploy: Any, deployer: Any, kwargs: dict[str, Any], field: str, needle: str
) -> None:
    version = deploy("plain.bpmn", key="buy3", xml=plain_xml())
    args: dict[str, Any] = {
        "name": "r",
        "event": "instance_started",
        "condition": "amount > 1000",
        "action": "notify",
        "params": {"to": "position:GM", "message": "hi"},
        **kwargs,
    }
    with pytest.raises(DomainError) as exc:
        process_rule_save(actor=deployer, definition=version.definition, **args)
    assert exc.value.field == field and needle in str(exc.value)
    assert not ProcessRule.objects.exists()
    version.definition.refresh_from_db()
    assert version.definition.rules_snapshot == []


def test_rules_api_and_admin_form(deploy: Any, deployer: Any, client: Any, admin_client: Any) -> None:
    version = deploy("plain.bpmn", key="buy4", xml=plain_xml())
    client.force_login(deployer)
    bad = client.post(
        "/api/workflow/definitions/buy4/rules",
        {
            "name": "r",
            "event": "instance_started",
            "condition": "amount >>",
            "action": "notify",
            "params": {"to": "position:GM", "message": "m"},
        },
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["field"] == "condition"
    resp = client.post(
        "/api/workflow/definitions/buy4/rules",
        {
            "name": "r",
            "event": "instance_started",
            "condition": "amount > 1",
            "action": "notify",
            "params": "to=position:GM; message=m",
        },
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    rule_id = resp.json()["id"]
    assert resp.json()["params"] == {"to": "position:GM", "message": "m"}
    listed = client.get("/api/workflow/definitions/buy4/rules").json()
    assert [r["id"] for r in listed] == [rule_id]
    actions = {a["name"] for a in client.get("/api/workflow/system-actions").json()}
    assert {"notify", "cc", "set", "archive"} <= actions
    assert client.delete(f"/api/workflow/rules/{rule_id}").status_code == 204
    version.definition.refresh_from_db()
    assert version.definition.rules_snapshot == []
    # the admin form refuses a bad condition with the same message
    page = admin_client.post(
        "/admin/workflow/processrule/add/",
        {
            "definition": version.definition.pk,
            "name": "r",
            "event": "instance_started",
            "condition": "amount >",
            "action": "notify",
            "params": '{"to": "position:GM", "message": "m"}',
            "order": 0,
            "is_active": "on",
        },
    )
    assert page.status_code == 200 and "条件无法通过检查" in page.content.decode()
    page = admin_client.post(
        "/admin/workflow/processrule/add/",
        {
            "definition": version.definition.pk,
            "name": "ok",
            "event": "instance_started",
            "condition": "amount > 5",
            "action": "notify",
            "params": '{"to": "position:GM", "message": "m"}',
            "order": 0,
            "is_active": "on",
        },
    )
    assert page.status_code == 302
    version.definition.refresh_from_db()
    assert [r["name"] for r in version.definition.rules_snapshot] == ["ok"]


def test_instance_page_shows_system_steps_and_rule_firings(deploy: Any, chain: Any, deployer: Any) -> None:
    from django.test import Client
    from django.urls import reverse

    version = deploy("sys.bpmn", key="sys-page", xml=system_xml())
    process_rule_save(
        actor=deployer,
        definition=version.definition,
        name="大额抄送",
        event="instance_started",
        condition="amount > 1000",
        action="cc",
        params={"to": "position:GM"},
    )
    instance = _start(chain, "sys-page", "2000")
    c = Client()
    c.force_login(chain.users["store_a1"])
    page = c.get(reverse("workflow:instance", args=[instance.pk])).content.decode()
    assert 'data-testid="system-step">通知<' in page and "通知总经理" in page
    assert 'data-testid="rule-fired">cc<' in page and "规则“大额抄送”已触发" in page


def test_a_set_rule_on_start_feeds_the_engine(deploy: Any, chain: Any, deployer: Any) -> None:
    xml = (
        plain_xml()
        .replace(
            b'<bpmn:endEvent id="end"/>',
            b'<bpmn:endEvent id="end"/><bpmn:endEvent id="end_big"/>',
        )
        .replace(
            b'<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>',
            b'<bpmn:exclusiveGateway id="gw" default="f_small"/>'
            b'<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw"/>'
            b'<bpmn:sequenceFlow id="f_small" sourceRef="gw" targetRef="review"/>'
            b'<bpmn:sequenceFlow id="f_big" sourceRef="gw" targetRef="end_big">'
            b"<bpmn:conditionExpression>amount &gt; 100</bpmn:conditionExpression></bpmn:sequenceFlow>",
        )
    )
    version = deploy("plain.bpmn", key="buy5", xml=xml)
    process_rule_save(
        actor=deployer,
        definition=version.definition,
        name="加价",
        event="instance_started",
        action="set",
        params={"field": "amount", "value": "amount * 10"},
    )
    instance = _start(chain, "buy5", "50")
    instance.refresh_from_db()
    assert instance.status == "completed"  # 500 > 100: the gateway saw the rule's value
    assert instance.data["amount"] == "500.00"
