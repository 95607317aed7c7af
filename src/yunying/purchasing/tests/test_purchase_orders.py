"""An approved 物料申购 becomes a purchase order in 采购部's queue: items, total, store, approver; scoped;
exported to Excel; the step that does it is named for what it does."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.test import Client

from yunying.accounts.models import User
from yunying.notifications.models import Notification
from yunying.purchasing.models import PurchaseOrder
from yunying.purchasing.selectors import purchase_orders_for
from yunying.workflow import services
from yunying.workflow.models import OPEN_STATUSES, ProcessInstance, WorkTask


@pytest.fixture
def demo(db: Any) -> None:
    from tests.snapshots import demo_chain

    demo_chain()


def _approve_all(instance: ProcessInstance) -> None:
    for _round in range(5):
        task = WorkTask.objects.filter(instance=instance, status__in=OPEN_STATUSES).order_by("pk").first()
        if task is None:
            return
        services.task_complete(actor=task.assignee, task_id=task.pk, action="approve", comment="同意")


def test_approval_creates_the_order_and_tells_purchasing(demo: None) -> None:
    store01 = User.objects.get(username="store01")
    data = {
        "store": "S01",
        "reason": "补货",
        "items": [
            {"name": "食用油", "qty": 3, "unit": "桶", "price": "88.50"},
            {"name": "打包袋", "qty": 10, "unit": "袋", "price": "12"},
        ],
    }
    instance = services.instance_start(actor=store01, key="purchase", data=data, title="S01 油和袋")
    assert not PurchaseOrder.objects.filter(instance=instance).exists()  # not before the approval
    _approve_all(instance)
    instance.refresh_from_db()
    assert instance.status == "completed"
    order = PurchaseOrder.objects.get(instance=instance)
    assert order.total == Decimal("385.50")  # above 300: the general manager approves
    assert order.store is not None and order.store.code == "S01"
    assert order.requester == store01
    assert order.approver is not None and order.approver.username == "gm"
    assert [i["name"] for i in order.items] == ["食用油", "打包袋"]
    assert order.items[0]["amount"] == "265.50"
    assert order.items[1]["qty"] == "10"  # a count reads as one, not 1E+1
    assert order.number.startswith("PO")
    buyer = User.objects.get(username="buyer")
    assert Notification.objects.filter(
        recipient=buyer, kind="purchase_order", message__contains=order.number
    ).exists()
    system = instance.events.filter(action="system").get()
    assert system.step == "生成采购单"
    assert system.data["action"] == "purchase_order"


def test_the_shipped_process_has_no_step_that_does_nothing(demo: None) -> None:
    from yunying.workflow.models import ProcessDefinition

    xml = ProcessDefinition.objects.get(key="purchase").versions.latest("number").bpmn_xml
    xml = xml.decode() if isinstance(xml, bytes) else xml
    assert 'name="通知采购"' not in xml and "<bpmn:task " not in xml
    assert 'yunying:action="purchase_order"' in xml


def test_demo_queue_and_scope(demo: None) -> None:
    buyer = User.objects.get(username="buyer")
    store01 = User.objects.get(username="store01")
    everyone = purchase_orders_for(buyer)
    assert everyone.count() >= 3
    assert {o.store.code for o in everyone if o.store} >= {"S01", "S02", "S03"}
    assert {o.store.code for o in purchase_orders_for(store01) if o.store} == {"S01"}
    staff = User.objects.get(username="staff01")
    assert all(o.store and o.store.code == "S01" for o in purchase_orders_for(staff))
    # Spread over the last two weeks; each request's own times moved with its order.
    days = {o.created_at.date() for o in everyone}
    assert len(days) >= 3 and min(days) <= max(days) - dt.timedelta(days=7)
    for order in everyone:
        assert order.instance.started_at <= order.created_at
        assert order.instance.ended_at is None or order.instance.ended_at <= order.created_at + dt.timedelta(
            minutes=1
        )
        assert all(e.at <= order.created_at + dt.timedelta(minutes=1) for e in order.instance.events.all())


def test_page_and_excel_export(demo: None) -> None:
    client = Client()
    client.force_login(User.objects.get(username="buyer"))
    page = client.get("/purchasing/")
    assert page.status_code == 200
    html = page.content.decode()
    order = PurchaseOrder.objects.order_by("pk").first()
    assert order is not None and order.number in html
    export = client.get("/purchasing/export.xlsx")
    assert export.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "采购单号"
    assert {r[0] for r in rows[1:]} == set(PurchaseOrder.objects.values_list("number", flat=True))
    outsider = Client()
    outsider.force_login(User.objects.get(username="store01"))
    text = outsider.get("/purchasing/export.xlsx").content
    rows = list(openpyxl.load_workbook(io.BytesIO(text)).active.iter_rows(values_only=True))
    assert {r[2] for r in rows[1:]} <= {PurchaseOrder.objects.filter(store__code="S01").first().store.name}  # type: ignore[union-attr]


def test_a_retried_step_makes_no_second_order(demo: None) -> None:
    from yunying.purchasing.services import purchase_order_from_request

    order = PurchaseOrder.objects.order_by("pk").first()
    assert order is not None
    again = purchase_order_from_request(instance=order.instance, data=dict(order.instance.data))
    assert again.pk == order.pk


def test_numbers_follow_the_day_and_a_retry_answers_its_own_order(demo: None) -> None:
    """One statement finds the request's own order or the day's last number: a request's second call
    answers its order even when later orders of the day exist; a new order takes the next number."""
    from yunying.core import clock
    from yunying.purchasing.services import purchase_order_from_request

    store01 = User.objects.get(username="store01")
    data = {
        "store": "S01",
        "reason": "补货",
        "items": [{"name": "食用油", "qty": 1, "unit": "桶", "price": "150"}],
    }
    made = []
    for _i in range(2):
        instance = services.instance_start(actor=store01, key="purchase", data=data)
        _approve_all(instance)
        made.append(PurchaseOrder.objects.get(instance=instance))
    prefix = f"PO{clock.today():%Y%m%d}"
    first, second = made
    assert first.number.startswith(prefix) and second.number.startswith(prefix)
    assert int(second.number[len(prefix) :]) == int(first.number[len(prefix) :]) + 1
    again = purchase_order_from_request(instance=first.instance, data=dict(first.instance.data))
    assert again.pk == first.pk and PurchaseOrder.objects.filter(instance=first.instance).count() == 1
