"""The service desk: tickets per kind within scope, filters, the SLA clock in working time, the figures,
a kind not deployed answering nothing, and a customer's phone masked for whoever does not handle it."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from yunying.approvals.masking import mask_phone
from yunying.servicedesk import selectors, stats
from yunying.servicedesk.selectors import TicketFilters
from yunying.servicedesk.tests.conftest import repair_data
from yunying.workflow import services
from yunying.workflow.models import OPEN_STATUSES

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


def _repairs(chain: Any) -> list[Any]:
    a1, a2 = chain.stores_a[0], chain.stores_a[1]
    from yunying.org.factories import person_with_login

    store_a2 = person_with_login("store_a2", "STORE-MGR", a2)
    made = [
        services.instance_start(actor=chain.users["store_a1"], key="repair", data=repair_data(a1.code)),
        services.instance_start(
            actor=chain.users["store_a1"],
            key="repair",
            data=repair_data(a1.code, cause="power", urgency="critical"),
        ),
        services.instance_start(actor=store_a2, key="repair", data=repair_data(a2.code, cause="it")),
    ]
    return made


def test_tickets_are_scoped_filtered_and_clocked(chain: Any, maint: Any) -> None:
    made = _repairs(chain)
    store_view, _n = selectors.ticket_list(user=chain.users["store_a1"], filters=TicketFilters())
    assert {t.id for t in store_view} == {made[0].pk, made[1].pk}
    area, total = selectors.ticket_list(user=chain.users["area_a"], filters=TicketFilters())
    assert total == 3 and all(t.step == "区域经理审批" for t in area)
    assert all(t.time_left is not None and t.due_at is not None for t in area)
    assert selectors.ticket_list(user=chain.users["area_b"], filters=TicketFilters())[1] == 0
    power = selectors.ticket_list(user=chain.users["area_a"], filters=TicketFilters(cause="power"))[0]
    assert [t.id for t in power] == [made[1].pk] and power[0].cause_label == "水电燃气"
    assert power[0].severity_label == "特急"
    by_store = selectors.ticket_list(
        user=chain.users["area_a"], filters=TicketFilters(store=chain.stores_a[1].code)
    )
    assert [t.id for t in by_store[0]] == [made[2].pk]
    assert selectors.ticket_list(user=chain.users["area_a"], filters=TicketFilters(region="RB"))[1] == 0
    assert selectors.ticket_list(user=chain.users["area_a"], filters=TicketFilters(state="closed"))[1] == 0


def test_figures_count_per_period_cause_and_store(chain: Any, maint: Any) -> None:
    made = _repairs(chain)
    services.task_complete(
        actor=chain.users["area_a"], task_id=made[2].tasks.get(status__in=OPEN_STATUSES).pk, action="reject",
        comment="厂家保修",
    )  # fmt: skip
    figures = stats.ticket_stats(user=chain.users["area_a"], filters=TicketFilters(), period="week")
    assert sum(figures.counts) == 3 and len(figures.buckets) == 12
    causes = {r.key: (r.count, r.closed) for r in figures.by_cause}
    assert causes == {"cold": (1, 0), "power": (1, 0), "it": (1, 1)}
    assert {r.key: r.count for r in figures.by_store} == {
        chain.stores_a[0].code: 2,
        chain.stores_a[1].code: 1,
    }
    monthly = stats.ticket_stats(user=chain.users["area_a"], filters=TicketFilters(), period="month")
    assert sum(monthly.counts) == 3 and '"series"' in monthly.charts["causes"]


def test_ticket_list_query_count_is_flat(chain: Any, maint: Any, django_assert_max_num_queries: Any) -> None:
    _repairs(chain)
    for _i in range(5):
        services.instance_start(
            actor=chain.users["store_a1"], key="repair", data=repair_data(chain.stores_a[0].code)
        )
    with django_assert_max_num_queries(16):
        rows, _total = selectors.ticket_list(user=chain.users["area_a"], filters=TicketFilters())
        assert len(rows) == 8


def test_a_kind_not_deployed_answers_nothing(client: Any, chain: Any) -> None:
    from yunying.workflow.models import ProcessDefinition

    ProcessDefinition.objects.filter(key="delivery_incident").update(is_active=False)  # a chain without it
    client.force_login(chain.users["area_a"])
    page = client.get(reverse("servicedesk:desk"), {"kind": "delivery_incident"}).content.decode()
    assert 'data-testid="desk-not-deployed"' in page
    answer = client.get("/api/service-desk/tickets", {"kind": "delivery_incident"}).json()
    assert answer == {"kind": "delivery_incident", "deployed": False, "total": 0, "items": []}
    assert client.get("/api/service-desk/tickets", {"kind": "nonsense"}).status_code == 422


def test_customer_phone_is_masked_for_whoever_does_not_handle_it(
    client: Any, chain: Any, complaints: None
) -> None:
    store = chain.stores_a[0]
    data = {
        "store": store.code,
        "cause": "service",
        "severity": "high",
        "customer_phone": PHONE,
        "what": "上菜慢",
    }
    complaint = services.instance_start(actor=chain.users["staff_a1"], key="customer_complaint", data=data)
    seen: dict[str, str] = {}
    for login in ("staff_a1", "store_a1", "area_a", "mgmt", "gm"):
        user = chain.users[login]
        rows, _n = selectors.ticket_list(user=user, filters=TicketFilters(kind="customer_complaint"))
        seen[login] = rows[0].customer_phone if rows else ""
        client.force_login(user)
        api = client.get("/api/service-desk/tickets", {"kind": "customer_complaint"}).json()
        page = client.get(reverse("servicedesk:desk"), {"kind": "customer_complaint"}).content.decode()
        sheet = client.get(reverse("workflow:instance-print", args=[complaint.pk]))
        handles = login in ("staff_a1", "store_a1")  # who recorded it, and the store that answers it
        for text in (str(api), page, sheet.content.decode() if sheet.status_code == 200 else ""):
            assert (PHONE in text) == (handles and text != ""), (login, text[:80])
    assert seen["staff_a1"] == PHONE and seen["store_a1"] == PHONE
    assert seen["area_a"] == mask_phone(PHONE) == "138****5678" and seen["gm"] in ("", mask_phone(PHONE))
