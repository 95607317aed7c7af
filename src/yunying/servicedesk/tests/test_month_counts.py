"""The KPI board's complaint and delivery-incident figures: tickets raised in the month per store (by the
request's store, or the store its form names), withdrawn ones left out; the rate per 10,000 tickets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from yunying.analytics.reports.board import complaint_rate
from yunying.servicedesk.selectors import month_counts
from yunying.workflow import services
from yunying.workflow.models import ProcessInstance

pytestmark = pytest.mark.django_db


def _complaint(chain: Any, store: Any) -> ProcessInstance:
    data = {
        "store": store.code,
        "cause": "service",
        "severity": "high",
        "customer_phone": "13812345678",
        "what": "上菜慢",
    }
    return services.instance_start(actor=chain.users["area_a"], key="customer_complaint", data=data)


def test_complaints_per_store_and_month(chain: Any, complaints: None) -> None:
    a1, a2, b1 = chain.stores_a[0], chain.stores_a[1], chain.stores_b[0]
    with time_machine.travel(dt.datetime(2026, 10, 31, 15, 30, tzinfo=dt.UTC)):  # 23:30 in Shanghai
        _complaint(chain, a1)
    with time_machine.travel(dt.datetime(2026, 10, 31, 16, 30, tzinfo=dt.UTC)):  # already November there
        _complaint(chain, a1)
        _complaint(chain, a2)
        gone = _complaint(chain, a2)
        ProcessInstance.objects.filter(pk=gone.pk).update(status="withdrawn")
    stores = [(s.pk, s.code) for s in (a1, a2, b1)]
    assert month_counts(kind="customer_complaint", stores=stores, month=dt.date(2026, 10, 1)) == {a1.pk: 1}
    assert month_counts(kind="customer_complaint", stores=stores, month=dt.date(2026, 11, 1)) == {
        a1.pk: 1,
        a2.pk: 1,
    }
    assert month_counts(kind="delivery_incident", stores=stores, month=dt.date(2026, 11, 1)) == {}
    assert month_counts(kind="customer_complaint", stores=[], month=dt.date(2026, 11, 1)) == {}


def test_complaint_rate_per_ten_thousand_tickets() -> None:
    assert complaint_rate(3, 12_000) == Decimal("2.5")
    assert complaint_rate(0, 5_000) == Decimal("0.0")
    assert complaint_rate(2, 0) is None and complaint_rate(2, None) is None
