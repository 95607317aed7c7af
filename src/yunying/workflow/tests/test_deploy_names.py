"""Deploy refuses an expression that reads a name the process will not have (nothing stored); the
names known are the start form's fields, the fields of the steps before, and the built-ins."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yunying.accounts.services import token_create
from yunying.workflow.models import ProcessDefinition, ProcessVersion
from yunying.workflow.services import DeployRefused, instance_start
from yunying.workflow.tests.conftest import read

pytestmark = pytest.mark.django_db

REVIEW_KNOWN = "amount、approved、opinion、reason、requester、store、unit"


def review(condition: str, *, gm_fields: str = "") -> bytes:
    xml = read("review.bpmn").decode().replace("amount &gt; 1000", condition)
    if gm_fields:
        xml = xml.replace('name="总经理审批"', f'name="总经理审批" yunying:fields="{gm_fields}"')
    return xml.encode()


def _counts() -> tuple[int, int]:
    return ProcessDefinition.objects.count(), ProcessVersion.objects.count()


def test_an_unknown_field_is_refused_with_the_known_ones(deploy: Any) -> None:
    before = _counts()
    with pytest.raises(DeployRefused) as caught:
        deploy("review.bpmn", key="typo", xml=review("amonut &gt; 1000"))
    assert caught.value.problems == [("f_big", f"未知字段 'amonut'（可用：{REVIEW_KNOWN}）")]
    assert "f_big: 未知字段 'amonut'" in str(caught.value)
    assert _counts() == before


def test_fields_of_later_steps_are_not_known_before_them(deploy: Any) -> None:
    # gm_review comes after the gateway: its field cannot decide the way there.
    with pytest.raises(DeployRefused) as caught:
        deploy("review.bpmn", key="later", xml=review("note == 'x'", gm_fields="note:text:备注"))
    [(element, message)] = caught.value.problems
    assert element == "f_big" and message.startswith("未知字段 'note'")
    # The area manager's own field (before the gateway), the built-ins and functions are known.
    version = deploy(
        "review.bpmn",
        key="known",
        xml=review(
            "opinion == 'ok' or (approved and requester != '' and store in ['A1'] and unit != '' "
            "and amount &gt; 1000 and len(reason) &gt; 0 and today() &gt; date(2020, 1, 1))"
        ),
    )
    assert version.number == 1


def test_fields_of_a_published_form_are_known(deploy: Any, chain: Any) -> None:
    purchase = read("purchase.bpmn").decode()
    gateway = (
        '<bpmn:exclusiveGateway id="big" default="f_small"/>'
        '<bpmn:sequenceFlow id="f_big" sourceRef="big" targetRef="final_decision">'
        "<bpmn:conditionExpression>CONDITION</bpmn:conditionExpression></bpmn:sequenceFlow>"
        '<bpmn:sequenceFlow id="f_small" sourceRef="big" targetRef="create_purchase_order"/>'
    )
    xml = purchase.replace(
        '<bpmn:sequenceFlow id="f2" sourceRef="mgmt_review" targetRef="final_decision"/>',
        '<bpmn:sequenceFlow id="f2" sourceRef="mgmt_review" targetRef="big"/>' + gateway,
    )
    with pytest.raises(DeployRefused) as caught:
        deploy("purchase.bpmn", key="p-typo", xml=xml.replace("CONDITION", "totl &gt; 500").encode())
    [(element, message)] = caught.value.problems
    assert element == "f_big"
    assert message == (
        "未知字段 'totl'（可用：approved、attachments、items、reason、requester、store、total、unit）"
    )
    version = deploy("purchase.bpmn", key="p-ok", xml=xml.replace("CONDITION", "total &gt; 500").encode())
    instance = instance_start(
        actor=chain.users["store_a1"],
        key=version.definition.key,
        data={
            "store": "A1",
            "reason": "面粉",
            "items": [{"name": "面粉", "qty": 10, "unit": "袋", "price": "85"}],
        },
    )
    assert instance.current_steps == "管理部审核"


def test_a_start_without_form_takes_free_data(deploy: Any) -> None:
    # Diagrams from other modelers without forms: the names come with the API's data, unchecked.
    assert deploy("countersign.bpmn").number == 1


def test_multi_instance_and_script_names(deploy: Any) -> None:
    xml = (
        read("signers.bpmn")
        .decode()
        .replace(
            '<bpmn:startEvent id="start"/>', '<bpmn:startEvent id="start" yunying:fields="title:text:标题"/>'
        )
    )
    with pytest.raises(DeployRefused) as caught:
        deploy("signers.bpmn", key="mi-unknown", xml=xml.encode())
    [(element, message)] = caught.value.problems
    assert element == "sign" and message.startswith("未知字段 'signers'")
    # The list of signers is a field of the first step; the completion condition may read the item.
    fixed = xml.replace(
        'name="初审" yunying:assignee="user:mgmt"',
        'name="初审" yunying:assignee="user:mgmt" yunying:fields="signers:text:会签人"',
    ).replace(
        '<bpmn:inputDataItem id="signer" name="signer"/>',
        '<bpmn:inputDataItem id="signer" name="signer"/>'
        "<bpmn:completionCondition>approved and signer != nobody</bpmn:completionCondition>",
    )
    with pytest.raises(DeployRefused) as caught:
        deploy("signers.bpmn", key="mi-cond", xml=fixed.encode())
    assert [m for _e, m in caught.value.problems] == [
        "未知字段 'nobody'（可用：approved、requester、signer、signers、store、title、unit）"
    ]
    ok = fixed.replace("signer != nobody", "signer != ''")
    assert deploy("signers.bpmn", key="mi-ok", xml=ok.encode()).number == 1


def test_script_lines_see_earlier_lines(deploy: Any) -> None:
    xml = read("review.bpmn").decode()
    script = (
        '<bpmn:scriptTask id="calc"><bpmn:script>double = amount * 2\nlabel = "big" if double &gt; x else ""'
        "</bpmn:script></bpmn:scriptTask>"
    )
    xml = xml.replace(
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="area_review"/>',
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="calc"/>'
        '<bpmn:sequenceFlow id="f1b" sourceRef="calc" targetRef="area_review"/>' + script,
    ).replace("amount &gt; 1000", "label == 'big'")
    with pytest.raises(DeployRefused) as caught:
        deploy("review.bpmn", key="script-x", xml=xml.encode())
    assert [(e, m.split("（")[0]) for e, m in caught.value.problems] == [("calc", "未知字段 'x'")]
    assert deploy("review.bpmn", key="script-ok", xml=xml.replace("&gt; x", "&gt; 100").encode()).number == 1


def test_unknown_field_through_the_api(client: Any, deployer: Any) -> None:
    before = _counts()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=deployer, name='t')[1]}"}
    bpmn = SimpleUploadedFile("p.bpmn", review("amonut &gt; 1000"), content_type="application/xml")
    resp = client.post("/api/workflow/definitions", {"key": "typo", "name": "费用", "bpmn": bpmn}, **auth)
    assert resp.status_code == 422, resp.content
    body = resp.json()
    assert body["code"] == "deploy_refused"
    assert body["problems"] == [{"id": "f_big", "message": f"未知字段 'amonut'（可用：{REVIEW_KNOWN}）"}]
    assert _counts() == before
