"""definition_deploy: versions, the spec stored once, precise refusals, nothing half-deployed."""

from __future__ import annotations

from typing import Any

import pytest

from yunying.core.errors import DomainError, PermissionDenied
from yunying.workflow import selectors
from yunying.workflow.models import ProcessDefinition, ProcessVersion
from yunying.workflow.services import DeployRefused, definition_deploy
from yunying.workflow.tests.conftest import read

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, int]:
    return ProcessDefinition.objects.count(), ProcessVersion.objects.count()


def test_deploy_creates_definition_then_versions(deploy: Any, deployer: Any) -> None:
    v1 = deploy("purchase.bpmn", key="purchase-b", title="物料申购")
    assert v1.number == 1 and v1.definition.key == "purchase-b" and v1.definition.name == "物料申购"
    assert "mgmt_review" in v1.bpmn_xml and v1.spec["process_id"] == "purchase"
    assert v1.spec["start_event"] == "start"
    v2 = deploy("purchase.bpmn", key="purchase-b", title="物料申购（新）")
    assert v2.number == 2 and v2.definition_id == v1.definition_id
    assert [v.number for v in selectors.version_list(v1.definition)] == [2, 1]
    assert selectors.version_get(user=deployer, key="purchase-b").number == 2
    assert selectors.version_get(user=deployer, key="purchase-b", version=1).pk == v1.pk
    assert selectors.definition_get(user=deployer, key="purchase-b").name == "物料申购（新）"


@pytest.mark.parametrize(
    ("name", "kind"),
    [("evil_import.bpmn", "problems"), ("evil_subclasses.bpmn", "problems")],
)
def test_deploy_refuses_malicious_conditions(deploy: Any, name: str, kind: str) -> None:
    before = _counts()
    with pytest.raises(DeployRefused) as info:
        deploy(name, key="evil")
    assert info.value.problems and info.value.problems[0][0] == "f_ops"
    assert "not allowed" in info.value.problems[0][1]
    assert _counts() == before


def test_deploy_refuses_unsupported_elements_with_the_list(deploy: Any) -> None:
    xml = read("parallel.bpmn").replace(
        b'<bpmn:endEvent id="end"/>', b'<bpmn:endEvent id="end"/><bpmn:complexGateway id="cx"/>'
    )
    before = _counts()
    with pytest.raises(DeployRefused) as info:
        deploy("parallel.bpmn", key="cx", xml=xml)
    assert info.value.elements == [("cx", "complexGateway")]
    assert "cx" in info.value.reasons
    assert _counts() == before


def test_deploy_refuses_bad_assignee_rules(deploy: Any) -> None:
    xml = read("purchase.bpmn").replace(b"position:MGMT-HEAD", b"position:NO-SUCH")
    with pytest.raises(DeployRefused) as info:
        deploy("purchase.bpmn", key="pp", xml=xml)
    assert info.value.problems[0][0] == "mgmt_review" and "NO-SUCH" in info.value.problems[0][1]
    xml = read("purchase.bpmn").replace(b"position:MGMT-HEAD", b"boss:everyone")
    with pytest.raises(DeployRefused, match="unknown kind"):
        deploy("purchase.bpmn", key="pp", xml=xml)


def test_deploy_refuses_malformed_xml_and_bad_keys(deploy: Any, deployer: Any) -> None:
    before = _counts()
    with pytest.raises(DeployRefused, match="malformed BPMN XML"):
        deploy("x.bpmn", key="broken", xml=b"<bpmn:definitions")
    with pytest.raises(DomainError) as info:
        definition_deploy(actor=deployer, key="Bad Key!", name="x", bpmn_xml=read("purchase.bpmn"))
    assert info.value.field == "key"
    assert _counts() == before


def test_deploy_needs_permission(chain: Any) -> None:
    with pytest.raises(PermissionDenied):
        definition_deploy(actor=chain.users["store_a1"], key="pp", name="p", bpmn_xml=read("purchase.bpmn"))


def test_version_diff(deploy: Any) -> None:
    v1 = deploy("purchase.bpmn", key="purchase-c")
    xml = (
        read("purchase.bpmn")
        .decode()
        .replace('name="管理部审核"', 'name="管理部初审"')
        .replace('<bpmn:endEvent id="end"', '<bpmn:task id="archive" name="归档"/><bpmn:endEvent id="end"')
        .encode()
    )
    v2 = deploy("purchase.bpmn", key="purchase-c", xml=xml)
    diff = selectors.version_diff(v1, v2)
    assert diff["added"] == [{"id": "archive", "type": "task", "name": "归档"}]
    assert diff["removed"] == []
    [changed] = [c for c in diff["changed"] if c["id"] == "mgmt_review"]
    assert changed["changes"]["name"] == ["管理部审核", "管理部初审"]
