"""Delegations, authority rows and ``today()`` in diagrams count the company's day, at any hour, on any server.

At 00:09 in Shanghai the UTC date is still yesterday's: a delegation starting "today" must already take the
request started a minute later."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from typing import Any

import pytest

from yunying.core.tests.company_time import COMPANY_DAY, SERVER_ZONES, company_time, frozen_at  # noqa: F401
from yunying.workflow.authority import authority_rule_for
from yunying.workflow.models import AuthorityRule, Delegation, ProcessInstance
from yunying.workflow.tests.conftest import open_tasks, single_xml
from yunying.workflow.tests.test_api import Api

pytestmark = pytest.mark.django_db

UTC = dt.UTC
YESTERDAY, TOMORROW = COMPANY_DAY - timedelta(days=1), COMPANY_DAY + timedelta(days=1)


@pytest.fixture(autouse=True)
def _fresh_definitions() -> None:
    """Parsed definitions are cached per (version pk, deployed_at): with the clock frozen, the versions of
    two tests share both, so each test starts with an empty cache."""
    from yunying.workflow import runtime

    runtime._CACHE.clear()


@pytest.mark.parametrize("server", SERVER_ZONES)
def test_a_delegation_made_at_0009_takes_the_request_started_a_minute_later(
    client: Any, deploy: Any, chain: Any, server: str
) -> None:
    """The reported case: 管理部主任 delegates to the supervisor through the API at 00:09 Shanghai time."""
    deploy("single.bpmn", key="single", xml=single_xml("position:MGMT-HEAD"))
    head, store = Api(client, chain.users["mgmt"]), Api(client, chain.users["store_a1"])
    with frozen_at(dt.datetime(2026, 11, 30, 16, 9, tzinfo=UTC), server):
        created = head.post("/delegations", {"to_user": "supervisor"})
        assert created.status_code == 201, created.content
        assert created.json()["starts_on"] == "2026-12-01" and created.json()["current"] is True
    with frozen_at(dt.datetime(2026, 11, 30, 16, 10, tzinfo=UTC), server):
        started = store.post("/instances", {"key": "single", "data": {}})
        assert started.status_code == 201, started.content
    [task] = started.json()["open_tasks"]
    assert task["assignee"] == "supervisor" and task["on_behalf_of"] == "mgmt"


# (delegation starts, ends) → who gets the 管理部主任's new step today
PERIODS = [
    (COMPANY_DAY, None, "supervisor"),
    (YESTERDAY, COMPANY_DAY, "supervisor"),
    (TOMORROW, None, "mgmt"),
    (YESTERDAY - timedelta(days=3), YESTERDAY, "mgmt"),
]


@pytest.mark.usefixtures("company_time")
def test_delegation_periods_are_company_days(client: Any, deploy: Any, chain: Any) -> None:
    deploy("single.bpmn", key="single", xml=single_xml("position:MGMT-HEAD"))
    head, store = Api(client, chain.users["mgmt"]), Api(client, chain.users["store_a1"])
    for starts_on, ends_on, goes_to in PERIODS:
        Delegation.objects.all().delete()
        Delegation.objects.create(
            from_user=chain.users["mgmt"],
            to_user=chain.users["supervisor"],
            starts_on=starts_on,
            ends_on=ends_on,
        )
        [listed] = head.get("/delegations").json()
        assert listed["current"] is (goes_to == "supervisor"), (starts_on, ends_on)
        [task] = store.post("/instances", {"key": "single", "data": {}}).json()["open_tasks"]
        assert task["assignee"] == goes_to, (starts_on, ends_on)


@pytest.mark.usefixtures("company_time")
def test_ending_a_delegation_ends_it_on_the_company_day(client: Any, chain: Any) -> None:
    delegation = Delegation.objects.create(
        from_user=chain.users["mgmt"], to_user=chain.users["supervisor"], starts_on=YESTERDAY
    )
    ended = Api(client, chain.users["mgmt"]).post(f"/delegations/{delegation.pk}/end")
    assert ended.status_code == 200, ended.content
    assert ended.json()["ends_on"] == COMPANY_DAY.isoformat() and ended.json()["current"] is False


def _rule(approver: str, effective_from: dt.date, effective_to: dt.date | None = None) -> AuthorityRule:
    return AuthorityRule.objects.create(
        category="维修",
        name=approver,
        approver=approver,
        effective_from=effective_from,
        effective_to=effective_to,
    )


@pytest.mark.usefixtures("company_time")
def test_an_authority_row_effective_today_decides(client: Any, deploy: Any, chain: Any) -> None:
    _rule("user:gm", dt.date(2020, 1, 1))
    _rule("user:supervisor", COMPANY_DAY)  # the new row, from today: the latest in force wins
    _rule("user:area_b", TOMORROW)
    _rule("user:area_a", dt.date(2024, 1, 1), YESTERDAY)
    assert authority_rule_for(category="维修", amount=None, unit=None).approver == "user:supervisor"

    deploy("single.bpmn", key="single", xml=single_xml("authority:维修"))
    started = Api(client, chain.users["store_a1"]).post("/instances", {"key": "single", "data": {}})
    assert started.status_code == 201, started.content
    [task] = started.json()["open_tasks"]
    assert task["assignee"] == "supervisor"


@pytest.mark.usefixtures("company_time")
def test_today_in_a_diagram_is_the_company_day(deploy: Any, chain: Any) -> None:
    from yunying.workflow import runtime
    from yunying.workflow.services import instance_start

    xml = (
        single_xml("user:area_a")
        .replace(
            b'<bpmn:startEvent id="start"/>',
            b'<bpmn:startEvent id="start"/><bpmn:scriptTask id="stamp"><bpmn:script>'
            b"day = str(today())</bpmn:script></bpmn:scriptTask>"
            b'<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="stamp"/>',
        )
        .replace(b'id="f1" sourceRef="start"', b'id="f1" sourceRef="stamp"')
    )
    deploy("single.bpmn", key="stamped", xml=xml)
    instance = instance_start(actor=chain.users["store_a1"], key="stamped", data={})
    instance = ProcessInstance.objects.get(pk=instance.pk)
    [task] = open_tasks(instance)
    assert task.assignee.username == "area_a"
    assert runtime.engine_load(instance).task_data(task.engine_task_id)["day"] == COMPANY_DAY.isoformat()
    assert instance.title.endswith(COMPANY_DAY.strftime("%m-%d"))
