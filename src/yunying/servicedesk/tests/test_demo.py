"""The demo chain's repair desk: 总务维修 with a login, weeks of repairs, open ones at each step."""

from __future__ import annotations

import pytest

from yunying.workflow.models import OPEN_STATUSES, ProcessInstance, WorkTask

pytestmark = pytest.mark.django_db


def test_demo_repairs_tell_a_story() -> None:
    from tests.snapshots import demo_chain

    from yunying.servicedesk.demo import REPAIRS, servicedesk_demo_load

    demo_chain()
    titles = [f"S{r.store:02d} {r.item}" for r in REPAIRS]
    repairs = ProcessInstance.objects.filter(definition__key="repair", title__in=titles)
    statuses = list(repairs.values_list("status", flat=True))
    assert statuses.count("completed") >= 3 and "rejected" in statuses and statuses.count("running") >= 4
    steps = set(
        WorkTask.objects.filter(instance__in=repairs, status__in=OPEN_STATUSES).values_list(
            "element_id", flat=True
        )
    )
    assert {"dispatch", "confirm", "area_review"} <= steps
    overdue = WorkTask.objects.filter(instance__in=repairs, status__in=OPEN_STATUSES, element_id="dispatch")
    assert any(t.is_overdue for t in overdue)
    returned = repairs.filter(tasks__outcome="returned").distinct().count()
    assert returned >= 1
    days = {(r.started_at.date()) for r in repairs}
    assert len(days) == len(REPAIRS)  # spread over the weeks
    assert servicedesk_demo_load() == 0  # idempotent
    assert repairs.count() == len(REPAIRS)


def test_demo_tickets_took_time_to_close() -> None:
    """Every closed ticket of the demo took hours, as a real one does: the desk's averages are not zero."""
    from tests.snapshots import demo_chain

    from yunying.accounts.models import User
    from yunying.servicedesk.selectors import TicketFilters
    from yunying.servicedesk.stats import ticket_stats

    demo_chain()
    mgmt = User.objects.get(username="mgmt")
    for kind in ("customer_complaint", "delivery_incident", "repair"):
        rows = ticket_stats(user=mgmt, filters=TicketFilters(kind=kind), period="month").by_cause
        closed = [r for r in rows if r.closed]
        assert closed, kind
        assert all(r.average_hours and r.average_hours > 0 for r in closed), (kind, closed)
    complaint = ProcessInstance.objects.filter(
        definition__key="customer_complaint", status="completed"
    ).first()
    assert complaint is not None and complaint.data["response_hours"] > 0
