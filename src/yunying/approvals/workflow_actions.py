"""System steps of the service and people processes, registered in the workflow's system-action registry.
A diagram names them (``yunying:action="complaint_close"``); they read the request's data (the start form
and what the steps submitted) and keep the results in the request's form data, where lists, summaries
and the service desk read them:

- ``complaint_close``: a 顾客投诉 is closed: ``satisfaction`` (满意 / 基本满意 / 不满意), ``satisfied``,
  ``remedy``, ``compensation``, ``response_hours`` (elapsed hours from the complaint to the store's
  answer) and ``closed_at``.
- ``delivery_incident_record``: a 配送事故 is settled: ``responsibility`` (the management department's
  ruling when the store disputed the delivery center's answer, else the delivery center's),
  ``remedy``, ``disputed`` and ``closed_at``.
- ``activity_compare``: the actual spend of an 活动经费 against its budget: ``actual_total``,
  ``variance`` (actual − budget), ``variance_pct`` and ``over_budget``.
- ``approvals_keep``: copies the named step fields (``fields=a,b,c``) into the form data."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yunying.workflow.forms_bridge import to_json
from yunying.workflow.models import ProcessInstance
from yunying.workflow.system_actions import NAME_RE, ActionFailed, Param, register

MAX_KEEP = 20


def _decimal(value: Any, label: str) -> Decimal:
    try:
        number = Decimal(str(value if value not in (None, "") else "0"))
    except InvalidOperation:
        raise ActionFailed(_("%(label)s“%(v)s”不是有效金额") % {"label": label, "v": value}) from None
    if not number.is_finite():
        raise ActionFailed(_("%(label)s“%(v)s”不是有效金额") % {"label": label, "v": value})
    return number


def _keep(instance: ProcessInstance, updates: dict[str, Any]) -> dict[str, Any]:
    instance.data = {**instance.data, **to_json(updates)}
    return updates


def _first_done(instance: ProcessInstance, element_id: str) -> Any:
    task = (
        instance.tasks.filter(element_id=element_id, outcome="approved", completed_at__isnull=False)
        .order_by("completed_at", "pk")
        .first()
    )
    return task.completed_at if task else None


@register("complaint_close", gettext_lazy("投诉结案"))
def complaint_close(
    instance: ProcessInstance, params: dict[str, str], data: dict[str, Any]
) -> dict[str, Any]:
    answered = _first_done(instance, "store_response")
    hours = None
    if answered is not None:
        hours = round((answered - instance.started_at).total_seconds() / 3600, 1)
    satisfaction = str(data.get("satisfaction") or "")
    return _keep(
        instance,
        {
            "satisfaction": satisfaction,
            "satisfied": satisfaction in ("满意", "基本满意"),
            "remedy": str(data.get("remedy") or ""),
            "compensation": str(data.get("compensation") or "") or None,
            "response_hours": hours,
            "closed_at": timezone.now().isoformat(),
        },
    )


@register("delivery_incident_record", gettext_lazy("记录配送事故结论"))
def delivery_incident_record(
    instance: ProcessInstance, params: dict[str, str], data: dict[str, Any]
) -> dict[str, Any]:
    disputed = data.get("store_view") == "不认可"
    responsibility = str((data.get("ruling") if disputed else None) or data.get("responsibility") or "")
    return _keep(
        instance,
        {
            "responsibility": responsibility,
            "remedy": str(data.get("remedy") or ""),
            "disputed": disputed,
            "closed_at": timezone.now().isoformat(),
        },
    )


@register("activity_compare", gettext_lazy("实际支出与预算对比"))
def activity_compare(
    instance: ProcessInstance, params: dict[str, str], data: dict[str, Any]
) -> dict[str, Any]:
    budget = _decimal(data.get("total"), _("预算合计"))
    actual = _decimal(data.get("actual_total"), _("实际支出"))
    variance = actual - budget
    pct = (variance / budget * 100).quantize(Decimal("0.1")) if budget else None
    return _keep(
        instance,
        {
            "actual_total": actual,
            "variance": variance,
            "variance_pct": pct,
            "over_budget": variance > 0,
        },
    )


@register(
    "approvals_keep",
    gettext_lazy("记录步骤结果"),
    Param("fields", "text", label=gettext_lazy("字段（逗号分隔）")),
)
def approvals_keep(instance: ProcessInstance, params: dict[str, str], data: dict[str, Any]) -> dict[str, Any]:
    names = [n.strip() for n in params.get("fields", "").split(",") if n.strip()][:MAX_KEEP]
    bad = [n for n in names if not NAME_RE.match(n) or n.startswith("_")]
    if bad:
        raise ActionFailed(_("“%(name)s”不是字段名。") % {"name": bad[0]})
    return _keep(instance, {n: data.get(n) for n in names if n in data})
