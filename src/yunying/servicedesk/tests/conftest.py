"""Service desk test helpers: a 总务维修 department with one 维修专员, repairs started by a store."""

from __future__ import annotations

from typing import Any

import pytest

from yunying.org.factories import UnitFactory, person_with_login
from yunying.org.models import UnitKind


@pytest.fixture
def maint(chain: Any) -> Any:
    unit = UnitFactory(kind=UnitKind.DEPARTMENT, code="D-MAINT", name="总务维修", parent=chain.mgmt.parent)
    return person_with_login("maint", "MAINT-TECH", unit)


def repair_data(store: str, **extra: Any) -> dict[str, Any]:
    return {
        "store": store,
        "cause": "cold",
        "item": "冷柜不制冷",
        "urgency": "urgent",
        "reason": "温度降不下来",
        "amount": "800",
        **extra,
    }


COMPLAINT_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:yunying="http://yunying.dev/schema/bpmn/1.0" id="Defs_c" targetNamespace="http://yunying.dev/tests">
  <bpmn:process id="customer_complaint" name="顾客投诉" isExecutable="true">
    <bpmn:startEvent id="start" yunying:fields="store:text:门店, cause:choice(service|food):原因,
        severity:choice(low|high):严重程度, customer_phone:text:顾客电话, what:textarea:经过"/>
    <bpmn:userTask id="respond" name="门店回复" yunying:assignee="store:STORE-MGR" yunying:due="PT4H"
        yunying:due-basis="working"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="respond"/>
    <bpmn:sequenceFlow id="f2" sourceRef="respond" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


@pytest.fixture
def complaints(chain: Any) -> None:
    """A minimal stand-in for the shipped 顾客投诉 process (same key and form data keys)."""
    from yunying.workflow.deploy import definition_deploy

    definition_deploy(actor=None, key="customer_complaint", name="顾客投诉", bpmn_xml=COMPLAINT_BPMN.encode())
