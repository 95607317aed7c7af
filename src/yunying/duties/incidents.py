"""The content of the weekly delivery-incident summary (周配送事故汇总; pre-fill ``delivery_incidents``).

Delivery incidents are reported through the shipped 配送事故反馈 process (key ``delivery_incident``). While a
chain has no such process there is nothing to read: the summary arrives with an empty incident list for the
person to fill in. Otherwise each of its requests started in the week (not withdrawn or cancelled, within the
reader's scope) is one row of the summary, read from the request's data (:data:`FROM_REQUEST`): the delivery's
date (else the day it was reported), the store (else the request's store), the cause as the row's kind, what
happened, and the remedy or the delivery center's answer as the handling."""

from __future__ import annotations

import datetime as dt
from typing import Any

from yunying.core import clock

PROCESS_KEY = "delivery_incident"
COLUMNS = ("day", "store", "kind", "description", "handling", "loss")
# summary column -> the request's fields it is read from, first one set wins
FROM_REQUEST = {
    "day": ("delivery_date", "day"),
    "store": ("store",),
    "kind": ("cause", "kind"),
    "description": ("description",),
    "handling": ("remedy", "dc_reply", "handling"),
    "loss": ("loss",),
}
MAX_ROWS = 200


def delivery_incidents_summary(*, user: Any, start: dt.date, end: dt.date) -> dict[str, Any]:
    """The incidents reported from ``start`` to ``end`` (inclusive, company days) as the summary's content:
    ``{"incidents": [row, …]}`` — empty when the ``delivery_incident`` process does not exist."""
    from yunying.org.models import UnitKind
    from yunying.org.scope import scope_for
    from yunying.workflow.models import InstanceStatus, ProcessDefinition, ProcessInstance

    if not ProcessDefinition.objects.filter(key=PROCESS_KEY).exists():
        return {"incidents": []}
    zone = clock.company_zone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    found = ProcessInstance.objects.filter(
        definition__key=PROCESS_KEY, started_at__gte=since, started_at__lt=until
    ).exclude(status__in=(InstanceStatus.WITHDRAWN, InstanceStatus.CANCELLED))
    scope = scope_for(user)
    if not scope.everything:
        found = found.filter(unit_id__in=list(scope.unit_ids))
    rows = []
    for instance in (
        found.select_related("unit")
        .only("data", "started_at", "unit")
        .order_by("started_at", "pk")[:MAX_ROWS]
    ):
        data = instance.data if isinstance(instance.data, dict) else {}
        row = {}
        for column in COLUMNS:
            value = next((data[k] for k in FROM_REQUEST[column] if data.get(k) not in (None, "", [])), None)
            if value is not None:
                row[column] = value
        row.setdefault("day", instance.started_at.astimezone(zone).date().isoformat())
        if "store" not in row and instance.unit is not None and instance.unit.kind == UnitKind.STORE:
            row["store"] = instance.unit.code
        rows.append(row)
    return {"incidents": rows}
