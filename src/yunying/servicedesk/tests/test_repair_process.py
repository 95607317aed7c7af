"""The shipped 日常维修 process: equipment from the store's asset register, urgency-based due time in
working time, 总务维修's shared queue, the store confirming the fix (or returning it), the cost recorded."""

from __future__ import annotations

from typing import Any

import pytest

from yunying.assets.factories import AssetFactory
from yunying.assets.models import AssetState
from yunying.core.errors import DomainError
from yunying.servicedesk.tests.conftest import repair_data
from yunying.workflow import services
from yunying.workflow.models import OPEN_STATUSES, ProcessVersion

pytestmark = pytest.mark.django_db


def _open(instance: Any) -> Any:
    [task] = list(instance.tasks.filter(status__in=OPEN_STATUSES))
    return task


def test_repair_runs_from_report_to_confirmed_fix(chain: Any, maint: Any) -> None:
    store = chain.stores_a[0]
    asset = AssetFactory(store=store, name="双门冷藏柜")
    requester = chain.users["store_a1"]
    instance = services.instance_start(
        actor=requester, key="repair", data=repair_data(store.code, asset_code=asset.code)
    )
    assert instance.data["equipment"] == "双门冷藏柜"  # filled from the register
    services.task_approve(actor=chain.users["area_a"], task_id=_open(instance).pk, data={}, comment="同意")
    instance.refresh_from_db()
    dispatch = _open(instance)
    assert dispatch.element_id == "dispatch" and dispatch.assignee_id is None  # 总务维修's queue
    assert dispatch.due_basis == "working" and dispatch.due_at is not None
    asset.refresh_from_db()
    assert asset.state == AssetState.REPAIRING
    services.task_complete(actor=maint, task_id=dispatch.pk, action="claim")
    services.task_approve(actor=maint, task_id=dispatch.pk, data={"cost": "650", "fix_note": "换温控器"})
    instance.refresh_from_db()
    confirm = _open(instance)
    assert confirm.element_id == "confirm" and confirm.assignee_id == requester.pk
    services.task_complete(
        actor=requester, task_id=confirm.pk, action="return", to="dispatch", comment="还是不冷"
    )
    instance.refresh_from_db()
    again = _open(instance)
    assert again.element_id == "dispatch"
    if again.assignee_id is None:
        services.task_complete(actor=maint, task_id=again.pk, action="claim")
    services.task_approve(actor=maint, task_id=again.pk, data={"cost": "900", "fix_note": "换压缩机"})
    instance.refresh_from_db()
    services.task_approve(actor=requester, task_id=_open(instance).pk, data={})
    instance.refresh_from_db()
    asset.refresh_from_db()
    assert instance.status == "completed"
    last = instance.tasks.filter(element_id="dispatch", outcome="approved").order_by("-completed_at").first()
    assert last is not None and str(last.data["cost"]).startswith("900")
    assert asset.state == AssetState.IN_USE
    assert asset.events.filter(reference__startswith=f"#{instance.pk}").count() == 2


def test_urgency_sets_the_due_time(chain: Any, maint: Any) -> None:
    requester = chain.users["store_a1"]
    due = {}
    for urgency in ("critical", "normal"):
        instance = services.instance_start(
            actor=requester, key="repair", data=repair_data(chain.stores_a[0].code, urgency=urgency)
        )
        services.task_approve(actor=chain.users["area_a"], task_id=_open(instance).pk, data={})
        instance.refresh_from_db()
        task = _open(instance)
        due[urgency] = task.due_at - task.created_at
    assert due["critical"] < due["normal"]


def test_an_asset_of_another_store_or_written_off_is_refused(chain: Any) -> None:
    other = AssetFactory(store=chain.stores_a[1])
    gone = AssetFactory(store=chain.stores_a[0], state=AssetState.WRITTEN_OFF)
    requester = chain.users["store_a1"]
    for code in (other.code, gone.code):
        with pytest.raises(DomainError):
            services.instance_start(
                actor=requester, key="repair", data=repair_data(chain.stores_a[0].code, asset_code=code)
            )
    assert not requester.workflow_instances.exists()


def test_seed_deploys_a_changed_shipped_diagram_as_a_new_version(chain: Any) -> None:
    from yunying.workflow.seed import seed_workflow

    latest = ProcessVersion.objects.filter(definition__key="repair").order_by("-number").first()
    assert latest is not None
    ProcessVersion.objects.filter(pk=latest.pk).update(bpmn_xml=latest.bpmn_xml.replace("报修", "旧报修"))
    seed_workflow()
    numbers = list(ProcessVersion.objects.filter(definition__key="repair").values_list("number", flat=True))
    assert sorted(numbers) == [latest.number, latest.number + 1]
    seed_workflow()  # unchanged now: no further version
    assert ProcessVersion.objects.filter(definition__key="repair").count() == 2
