"""A step's due time chosen by a value of the request (``yunying:due-by`` / ``due-by-map``), and the
OpenAPI listing the service desk and approval center paths."""

from __future__ import annotations

from typing import Any

import pytest

from yunying.core.errors import DomainError
from yunying.workflow import sla

MAP = {
    "yunying:due": "P3D",
    "yunying:due-by": "urgency",
    "yunying:due-by-map": "critical=PT4H, urgent=P1D, *=P2D",
}


def test_the_value_picks_the_duration() -> None:
    assert sla.props_for_data(MAP, {"urgency": "critical"})["yunying:due"] == "PT4H"
    assert sla.props_for_data(MAP, {"urgency": "whatever"})["yunying:due"] == "P2D"
    assert sla.props_for_data({**MAP, "yunying:due-by-map": "critical=PT4H"}, {})["yunying:due"] == "P3D"
    assert sla.props_for_data({"yunying:due": "P1D"}, {"urgency": "critical"}) == {"yunying:due": "P1D"}


@pytest.mark.parametrize(
    "bad", ["critical", "=PT4H", "critical=soon", ",".join(f"v{i}=P1D" for i in range(30))]
)
def test_a_bad_map_is_refused_at_deploy(bad: str) -> None:
    assert any(p.startswith("due-by-map") for p in sla.check_step({**MAP, "yunying:due-by-map": bad}))
    with pytest.raises(DomainError):
        sla.due_by_map({"yunying:due-by-map": bad})


@pytest.mark.django_db
def test_openapi_lists_the_new_paths(client: Any, chain: Any) -> None:
    client.force_login(chain.users["mgmt"])
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {
        "/api/service-desk/tickets",
        "/api/workflow/center/gallery",
        "/api/workflow/center/requests",
    } <= set(paths)


@pytest.mark.django_db
def test_time_left_counts_working_time(chain: Any) -> None:
    import datetime as dt

    from yunying.core import clock
    from yunying.workflow.models import ProcessInstance, WorkTask

    zone = clock.company_zone()
    task = WorkTask(due_at=dt.datetime(2026, 12, 7, 10, tzinfo=zone), due_basis="working")  # a Monday
    task.instance = ProcessInstance(unit=None)
    friday_evening = dt.datetime(2026, 12, 4, 20, tzinfo=zone)
    left = sla.time_left(task, friday_evening)
    assert left is not None and dt.timedelta(0) < left < dt.timedelta(hours=3)  # the weekend does not count
    elapsed = WorkTask(due_at=task.due_at, due_basis="elapsed")
    elapsed.instance = task.instance
    assert sla.time_left(elapsed, friday_evening) == dt.timedelta(hours=62)
    sunday = dt.datetime(2026, 12, 13, 12, tzinfo=zone)
    late = sla.time_left(task, sunday)
    assert late is not None and late < dt.timedelta(0)
