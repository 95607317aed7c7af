"""The content of the weekly delivery-incident summary (周配送事故汇总; pre-fill ``delivery_incidents``).

Delivery incidents are reported through a workflow process with the key ``delivery_incident``. While a chain
has no such process there is nothing to read: the summary arrives with an empty incident list for the person
to fill in. Once it exists, each of its requests started in the week (not withdrawn or cancelled, within the
reader's scope) is one row of the summary: the fields of its form named like the summary's columns
(:data:`COLUMNS`) are copied, the day defaulting to the day it was reported and the store to the request's
store."""

from __future__ import annotations

import datetime as dt
from typing import Any

from yunying.core import clock

PROCESS_KEY = "delivery_incident"
COLUMNS = ("day", "store", "kind", "description", "handling", "loss")
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
        row = {key: data[key] for key in COLUMNS if data.get(key) not in (None, "", [])}
        row.setdefault("day", instance.started_at.astimezone(zone).date().isoformat())
        if "store" not in row and instance.unit is not None and instance.unit.kind == UnitKind.STORE:
            row["store"] = instance.unit.code
        rows.append(row)
    return {"incidents": rows}
