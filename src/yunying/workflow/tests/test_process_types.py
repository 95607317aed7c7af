"""Process types (流程类型): category, icon, description and who may start them — stored with a deploy
(service, API, designer page) and enforced when starting (service, pages, API)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from yunying.accounts.services import token_create
from yunying.core.errors import DomainError, PermissionDenied
from yunying.workflow import selectors
from yunying.workflow.models import ProcessDefinition, ProcessInstance, ProcessVersion
from yunying.workflow.services import definition_deploy, instance_start
from yunying.workflow.tests.conftest import single_xml

pytestmark = pytest.mark.django_db

REFUSAL = "您不能发起“门店报修”：仅限 岗位：店长；单位：浦东区域（含下属单位） 发起。"


@pytest.fixture
def repair(deployer: Any) -> ProcessDefinition:
    version = definition_deploy(
        actor=deployer,
        key="store-repair",
        name="门店报修",
        bpmn_xml=single_xml("user:mgmt"),
        category="行政",
        description="门店设备报修",
        icon="tool",
        starter_positions=["STORE-MGR"],
        starter_units=["RA"],
    )
    return version.definition


@pytest.fixture
def store_b1(chain: Any) -> Any:
    from yunying.org.factories import person_with_login

    return person_with_login("store_b1", "STORE-MGR", chain.stores_b[0])


def test_settings_are_stored_with_the_deploy(repair: ProcessDefinition, deployer: Any) -> None:
    assert (repair.category, repair.description, repair.icon) == ("行政", "门店设备报修", "tool")
    assert (repair.icon_glyph, repair.icon_color) == ("修", "orange")
    assert [p.code for p in repair.starter_positions.all()] == ["STORE-MGR"]
    assert [u.code for u in repair.starter_units.all()] == ["RA"]
    # A new version without starters keeps them; an empty list opens the process to everyone.
    definition_deploy(actor=deployer, key="store-repair", name="门店报修", bpmn_xml=single_xml("user:mgmt"))
    assert repair.starter_positions.count() == 1 and repair.starter_units.count() == 1
    assert ProcessDefinition.objects.get(pk=repair.pk).icon == "tool"
    definition_deploy(
        actor=deployer,
        key="store-repair",
        name="门店报修",
        bpmn_xml=single_xml("user:mgmt"),
        starter_positions=[],
        starter_units=[],
    )
    assert repair.starter_positions.count() == 0 and repair.starter_units.count() == 0


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"icon": "rocket"}, "icon", "图标“rocket”不可用。"),
        ({"starter_positions": ["CEO"]}, "starter_positions", "找不到岗位“CEO”。"),
        ({"starter_units": ["ZZ"]}, "starter_units", "找不到单位“ZZ”。"),
    ],
)
def test_bad_settings_store_nothing(deployer: Any, kwargs: dict[str, Any], field: str, message: str) -> None:
    before = ProcessDefinition.objects.count(), ProcessVersion.objects.count()
    with pytest.raises(DomainError) as caught:
        definition_deploy(actor=deployer, key="bad", name="坏", bpmn_xml=single_xml("user:mgmt"), **kwargs)
    assert caught.value.field == field and str(caught.value) == message
    assert (ProcessDefinition.objects.count(), ProcessVersion.objects.count()) == before


def test_only_the_allowed_start(repair: ProcessDefinition, chain: Any, store_b1: Any, deployer: Any) -> None:
    store_a1, staff_a1 = chain.users["store_a1"], chain.users["staff_a1"]
    assert instance_start(actor=store_a1, key="store-repair").status == "running"  # 店长 of A1 in 浦东区域
    for refused in (staff_a1, store_b1, deployer):  # a waiter; a 店长 in 闵行; the designer
        with pytest.raises(PermissionDenied) as caught:
            instance_start(actor=refused, key="store-repair")
        assert str(caught.value) == REFUSAL
    assert ProcessInstance.objects.count() == 1
    assert "store-repair" in [d.key for d in selectors.startable_list(user=store_a1)]
    assert "store-repair" not in [d.key for d in selectors.startable_list(user=staff_a1)]
    assert "store-repair" not in [d.key for d in selectors.startable_list(user=deployer)]
    assert "store-repair" in [d.key for d in selectors.definition_list(user=deployer)]  # to design it
    ProcessDefinition.objects.filter(pk=repair.pk).update(is_active=False)
    with pytest.raises(PermissionDenied, match="已停用"):
        instance_start(actor=store_a1, key="store-repair")


def test_start_page_lists_only_what_i_may_start(client: Any, repair: ProcessDefinition, chain: Any) -> None:
    client.force_login(chain.users["store_a1"])
    page = client.get(reverse("workflow:definitions")).content.decode()
    assert 'data-testid="start-store-repair"' in page and 'data-testid="icon-store-repair"' in page
    assert ">修</span>" in page
    client.force_login(chain.users["staff_a1"])
    page = client.get(reverse("workflow:definitions")).content.decode()
    assert "store-repair" not in page
    resp = client.get(reverse("workflow:start", args=["store-repair"]), follow=True)
    assert resp.redirect_chain[-1][0] == reverse("workflow:definitions")
    assert REFUSAL in resp.content.decode()


def test_settings_and_refusal_through_the_api(client: Any, deployer: Any, chain: Any) -> None:
    def auth(user: Any) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=user, name='t')[1]}"}

    bpmn = SimpleUploadedFile("p.bpmn", single_xml("user:mgmt"), content_type="application/xml")
    resp = client.post(
        "/api/workflow/definitions",
        {
            "key": "store-repair",
            "name": "门店报修",
            "bpmn": bpmn,
            "icon": "tool",
            "starter_positions": "STORE-MGR",
            "starter_units": "RA",
        },
        **auth(deployer),
    )
    assert resp.status_code == 201, resp.content
    listed = client.get("/api/workflow/definitions", **auth(chain.users["store_a1"])).json()
    [row] = [d for d in listed if d["key"] == "store-repair"]
    assert (
        row["icon"] == "tool" and row["starter_positions"] == ["STORE-MGR"] and row["starter_units"] == ["RA"]
    )
    staff = auth(chain.users["staff_a1"])
    assert "store-repair" not in [d["key"] for d in client.get("/api/workflow/definitions", **staff).json()]
    refused = client.post(
        "/api/workflow/instances",
        json.dumps({"key": "store-repair", "data": {}}),
        content_type="application/json",
        **staff,
    )
    assert refused.status_code == 403 and refused.json()["detail"] == REFUSAL
    assert ProcessInstance.objects.count() == 0


def test_designer_page_saves_the_settings(client: Any, deployer: Any) -> None:
    from yunying.workflow.designer_views import starting_diagram

    client.force_login(deployer)
    page = client.get(reverse("workflow:designer-new")).content.decode()
    assert 'data-testid="starter-positions"' in page and 'value="STORE-MGR"' in page
    resp = client.post(
        reverse("workflow:designer-new"),
        {
            "key": "leave",
            "name": "请假",
            "category": "人事",
            "icon": "calendar",
            "starter_positions": ["STORE-MGR", "AREA-MGR"],
            "starter_units": ["RA"],
            "bpmn_xml": starting_diagram().replace(
                'yunying:assignee="superior"', 'yunying:assignee="user:mgmt"'
            ),
        },
    )
    assert resp.status_code == 302, resp.content.decode()[:2000]
    leave = ProcessDefinition.objects.get(key="leave")
    assert (leave.category, leave.icon) == ("人事", "calendar")
    assert sorted(p.code for p in leave.starter_positions.all()) == ["AREA-MGR", "STORE-MGR"]
    edit = client.get(reverse("workflow:designer-edit", args=["leave"])).content.decode()
    assert '<option value="calendar" selected>' in edit
    assert '<option value="RA" selected>' in edit
