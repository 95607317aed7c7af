"""The demo chain's inspections: weeks of scored visits, red-line failures, findings in every state."""

from __future__ import annotations

import pytest

from yunying.core import clock
from yunying.inspections.models import Finding, FindingEvent, FindingStatus, Visit


@pytest.mark.django_db
def test_demo_has_visits_and_findings_in_every_state():
    from tests.snapshots import demo_chain

    demo_chain()
    visits = Visit.objects.filter(status="submitted")
    assert visits.count() >= 40 and visits.values("store").distinct().count() == 17
    assert (
        visits.filter(critical_failures__gt=0, passed=False).exists() and visits.filter(passed=True).exists()
    )
    assert {"supervisor", "area1"} <= set(visits.values_list("inspector__username", flat=True))
    statuses = set(Finding.objects.values_list("status", flat=True))
    assert statuses == {FindingStatus.OPEN, FindingStatus.ANSWERED, FindingStatus.CLOSED}
    assert Finding.objects.filter(status=FindingStatus.OPEN, due_on__lt=clock.today()).exists()
    closed = Finding.objects.filter(status=FindingStatus.CLOSED).first()
    assert list(FindingEvent.objects.filter(finding=closed).values_list("action", flat=True)) == [
        "opened",
        "answered",
        "accepted",
    ]
