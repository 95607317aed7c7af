"""Deploy checks are linear: a diagram of 12,500 gateways (under 2 MB) is accepted, and the same diagram
with one unknown name is refused naming it. (The time is printed by bench/bench_deploy.py.)"""

from __future__ import annotations

from typing import Any

import pytest

from yunying.workflow import services
from yunying.workflow.deploy import MAX_BPMN_BYTES
from yunying.workflow.errors import DeployRefused
from yunying.workflow.models import ProcessVersion
from yunying.workflow.tests.bigdiagram import big_diagram

pytestmark = pytest.mark.django_db


def test_a_large_diagram_is_accepted_and_a_flaw_in_it_refused_precisely(deployer: Any) -> None:
    xml = big_diagram(12_500)
    assert 1_500_000 < len(xml) <= MAX_BPMN_BYTES and xml.count(b"exclusiveGateway") == 12_500
    version = services.definition_deploy(actor=deployer, key="big", name="大流程", bpmn_xml=xml)
    assert version.pk is not None and len(version.spec["spec"]["task_specs"]) > 12_500
    with pytest.raises(DeployRefused) as refused:
        services.definition_deploy(
            actor=deployer, key="big", name="大流程", bpmn_xml=big_diagram(12_500, broken=True)
        )
    assert refused.value.problems == [
        ("cg49_249", "未知字段 'amonut'（可用：amount、approved、requester、store、unit）")
    ]
    assert ProcessVersion.objects.filter(definition__key="big").count() == 1
