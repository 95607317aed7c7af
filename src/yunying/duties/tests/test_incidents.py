"""The weekly delivery-incident summary arrives pre-filled: with an empty incident list while the chain has no
``delivery_incident`` process, and with last week's reported incidents (in the reader's scope, not withdrawn)
once it has one."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from yunying.core.tests.company_time import frozen_at
from yunying.duties.incidents import PROCESS_KEY, delivery_incidents_summary
from yunying.duties.models import Duty, Occurrence
from yunying.duties.scheduler import duties_tick, occurrences_materialise
from yunying.workflow.models import InstanceStatus, ProcessDefinition, ProcessInstance, ProcessVersion

pytestmark = pytest.mark.django_db
UTC = dt.UTC
MONDAY = dt.datetime(2026, 6, 15, 2, tzinfo=UTC)  # Monday 15 June 2026: the summary of 8–14 June is due
WEEK = (dt.date(2026, 6, 8), dt.date(2026, 6, 14))


def _reported(chain: Any, store: Any, at: dt.datetime, data: dict[str, Any], status: str = "running") -> None:
    definition, _c = ProcessDefinition.objects.get_or_create(key=PROCESS_KEY, defaults={"name": "配送事故"})
    version, _c = ProcessVersion.objects.get_or_create(
        definition=definition,
        number=1,
        defaults={"process_id": "delivery_incident", "bpmn_xml": "", "spec": {}},
    )
    ProcessInstance.objects.create(
        version=version, definition=definition, title="配送事故", requester=chain.users["store_a1"], unit=store,
        status=status, data=data, started_at=at,
    )  # fmt: skip


def test_without_the_process_the_summary_arrives_empty(ops_chain: Any):
    duty = Duty.objects.get(key="weekly_delivery")
    assert duty.prefill == "delivery_incidents"
    duty.is_active, duty.starts_on = True, dt.date(2026, 6, 1)
    duty.save(update_fields=["is_active", "starts_on"])
    with frozen_at(MONDAY, "UTC"):
        occurrences_materialise(start=dt.date(2026, 6, 15), end=dt.date(2026, 6, 15))
        duties_tick()
    occ = Occurrence.objects.get(duty=duty, period_key="2026-W25")
    assert occ.prefilled and occ.data["incidents"] == []
    assert delivery_incidents_summary(user=ops_chain.users["mgmt"], start=WEEK[0], end=WEEK[1]) == {
        "incidents": []
    }


def test_with_the_process_last_weeks_incidents_are_the_rows(ops_chain: Any):
    a1, b1 = ops_chain.stores_a[0], ops_chain.stores_b[0]
    in_week = dt.datetime(2026, 6, 10, 3, tzinfo=UTC)
    _reported(ops_chain, a1, in_week, {"cause": "late", "description": "晚到 40 分钟", "loss": "120.00"})
    _reported(
        ops_chain,
        b1,
        in_week + dt.timedelta(days=1),
        {
            "delivery_date": "2026-06-11",
            "store": "B1",
            "cause": "damaged",
            "dc_reply": "已补发",
            "remedy": "换货",
        },
    )
    _reported(ops_chain, a1, in_week, {"kind": "late"}, status=InstanceStatus.WITHDRAWN)
    _reported(
        ops_chain, a1, dt.datetime(2026, 6, 14, 16, 30, tzinfo=UTC), {"kind": "late"}
    )  # 15 June, Shanghai
    found = delivery_incidents_summary(user=ops_chain.users["mgmt"], start=WEEK[0], end=WEEK[1])
    assert found["incidents"] == [
        {"day": "2026-06-10", "store": "A1", "kind": "late", "description": "晚到 40 分钟", "loss": "120.00"},
        {"day": "2026-06-11", "store": "B1", "kind": "damaged", "handling": "换货"},
    ]
    mine = delivery_incidents_summary(user=ops_chain.users["area_a"], start=WEEK[0], end=WEEK[1])
    assert [row["store"] for row in mine["incidents"]] == ["A1"]  # a region's manager: their stores only
