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
