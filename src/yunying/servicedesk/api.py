"""Service desk endpoints: the tickets of a kind (repairs, delivery incidents, customer complaints) in
the caller's scope, with where each waits and its SLA clock; a customer's phone is masked for anyone who
does not handle the ticket."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema

from yunying.servicedesk import selectors

router = Router(tags=["service-desk"])


class TicketOut(Schema):
    id: int
    kind: str
    title: str
    status: str
    store: str
    store_name: str
    region: str
    cause: str
    cause_label: str
    severity: str
    severity_label: str
    requester: str
    started_at: datetime
    ended_at: datetime | None
    step: str
    holder: str
    due_at: datetime | None
    seconds_left: int | None  # the SLA clock in the step's own time (working time); negative: overdue
    overdue: bool
    customer_phone: str
    cost: str


class TicketListOut(Schema):
    kind: str
    deployed: bool
    total: int
    items: list[TicketOut]


@router.get("/tickets", response=TicketListOut, summary="Service desk tickets of one kind (scoped)")
def tickets(
    request: HttpRequest,
    kind: Literal["repair", "delivery_incident", "customer_complaint"] = "repair",
    state: Literal[
        "", "open", "closed", "running", "completed", "rejected", "withdrawn", "cancelled", "error"
    ] = "",
    store: str = "",
    region: str = "",
    cause: str = "",
    limit: int = selectors.PAGE_SIZE,
    offset: int = 0,
) -> dict[str, Any]:
    filters = selectors.TicketFilters(
        kind=kind, state=state, store=store.strip()[:30], region=region.strip()[:30], cause=cause.strip()[:40]
    )
    deployed = kind in selectors.deployed_kinds()
    rows, total = (
        selectors.ticket_list(user=request.user, filters=filters, limit=limit, offset=offset)
        if deployed
        else ([], 0)
    )
    return {
        "kind": kind,
        "deployed": deployed,
        "total": total,
        "items": [
            {
                **{k: getattr(t, k) for k in TicketOut.model_fields if hasattr(t, k)},
                "seconds_left": int(t.time_left.total_seconds()) if t.time_left is not None else None,
                "overdue": t.overdue,
            }
            for t in rows
        ],
    }
