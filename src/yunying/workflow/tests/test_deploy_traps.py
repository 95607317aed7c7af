"""A modeler without traps, at deploy: a condition comparing a choice field with an option's label is
refused naming the allowed values; a step whose rule names nobody today is warned about."""

from __future__ import annotations

from typing import Any

import pytest

from yunying.workflow.errors import DeployRefused
from yunying.workflow.tests.conftest import read

pytestmark = pytest.mark.django_db


@pytest.fixture
def repair_form(chain: Any) -> str:
    from yunying.forms.services import form_definition_create, form_version_publish

    definition = form_definition_create(
        actor=None,
        key="repair_request",
        name="日常维修",
        fields=[
            {"key": "item", "type": "text", "label_zh": "维修项目", "required": True},
            {
                "key": "urgency",
                "type": "choice",
                "label_zh": "紧急程度",
                "required": True,
                "choices": [
                    {"value": "urgent", "label_zh": "紧急"},
                    {"value": "normal", "label_zh": "普通"},
                ],
            },
            {"key": "amount", "type": "money", "label_zh": "预计费用"},
        ],
    )
    form_version_publish(actor=None, definition=definition)
    return "repair_request"


def _xml(condition: str) -> bytes:
    text = read("review.bpmn").decode()
    text = text.replace(
        'yunying:fields="amount:money:金额（元）, reason:textarea:事由"', 'yunying:form="repair_request"'
    )
    return text.replace("amount &gt; 1000", condition).encode()


@pytest.mark.parametrize(
    "condition",
    [
        "urgency == '紧急'",
        "'紧急' == urgency",
        "urgency != '普通'",
        "amount &gt; 10 and urgency in ['urgent', '紧急']",
    ],
)
def test_a_choice_compared_with_a_label_is_refused(deploy: Any, repair_form: str, condition: str) -> None:
    from yunying.workflow.models import ProcessDefinition

    with pytest.raises(DeployRefused) as refused:
        deploy("review.bpmn", key="repair-traps", xml=_xml(condition))
    message = str(refused.value)
    assert "urgency" in message and "可用的值：urgent（紧急）、normal（普通）" in message
    assert [eid for eid, _m in refused.value.problems] == ["f_big"]
    assert not ProcessDefinition.objects.filter(key="repair-traps").exists()


def test_a_choice_compared_with_its_values_deploys(deploy: Any, repair_form: str) -> None:
    version = deploy("review.bpmn", key="repair-ok", xml=_xml("urgency == 'urgent' or urgency in ['normal']"))
    assert version.number == 1


def test_a_step_whose_rule_names_nobody_today_is_warned(deploy: Any, chain: Any) -> None:
    text = (
        read("review.bpmn")
        .decode()
        .replace('yunying:assignee="position:GM"', 'yunying:assignee="position:CHEF"')
    )
    text = text.replace('yunying:assignee="region:AREA-MGR|unit:MGMT-HEAD"', 'yunying:assignee="user:ghost"')
    from yunying.org.models import Position

    Position.objects.get_or_create(code="CHEF", defaults={"name": "行政总厨", "unit_kind": "department"})
    version = deploy("review.bpmn", key="nobody", xml=text.encode())
    warnings = dict((eid, msg) for eid, msg in version.spec["warnings"])
    assert "目前找不到任何人" in warnings["gm_review"] and "position:CHEF" in warnings["gm_review"]
    assert "user:ghost" in warnings["area_review"]
    fine = deploy("review.bpmn", key="somebody")
    assert not any("找不到任何人" in m for _e, m in fine.spec["warnings"])


def _with_summary(summary: str) -> bytes:
    text = read("review.bpmn").decode()
    return (
        text.replace(
            'yunying:fields="amount:money:金额（元）, reason:textarea:事由"',
            f'yunying:form="material_purchase" yunying:summary="{summary}"',
        )
        .replace("amount &gt; 1000", "total &gt; 1000")
        .encode()
    )


def test_summary_fields_must_be_fields_of_the_start_form(deploy: Any, chain: Any) -> None:
    from yunying.workflow.models import ProcessDefinition

    with pytest.raises(DeployRefused) as refused:
        deploy("review.bpmn", key="summary-bad", xml=_with_summary("store, totl, items.nme"))
    assert "start" in {eid for eid, _m in refused.value.problems}
    problems = " ".join(m for _e, m in refused.value.problems)
    assert "摘要字段“totl”不是启动表单的字段" in problems and "total" in problems
    assert "表格“items”没有列“nme”" in str(refused.value) and "name" in str(refused.value)
    assert not ProcessDefinition.objects.filter(key="summary-bad").exists()
    with pytest.raises(DeployRefused) as too_many:
        deploy(
            "review.bpmn",
            key="summary-many",
            xml=_with_summary("store, total, reason, items, items.name, items.qty"),
        )
    assert "最多 5 个" in str(too_many.value)
    version = deploy("review.bpmn", key="summary-ok", xml=_with_summary("store, total, items.name"))
    assert version.number == 1
