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

from yunying.core import clock
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


# --------------------------------------------------------------------------- people processes
@register("probation_decide", gettext_lazy("试用期转正结果"))
def probation_decide(
    instance: ProcessInstance, params: dict[str, str], data: dict[str, Any]
) -> dict[str, Any]:
    """The reviewed recommendation changes the employee: 转正 → regular; 延长试用 → the probation end moves
    by ``extend_days`` (30 when not given); 不予转正 → probation not passed."""
    import datetime as dt

    from yunying.org.models import Employee, EmploymentStatus

    employee = (
        Employee.objects.select_for_update().filter(employee_no=str(data.get("employee_no") or "")).first()
    )
    if employee is None:
        raise ActionFailed(_("找不到工号为“%(no)s”的员工。") % {"no": data.get("employee_no")})
    choice = str(data.get("recommendation") or "")
    if choice == "转正":
        employee.employment_status = EmploymentStatus.REGULAR
    elif choice == "延长试用":
        try:
            days = min(max(int(str(data.get("extend_days") or 30)), 1), 180)
        except ValueError:
            days = 30
        employee.probation_ends_on = (employee.probation_ends_on or clock.today()) + dt.timedelta(days=days)
    elif choice == "不予转正":
        employee.employment_status = EmploymentStatus.NOT_PASSED
    else:
        raise ActionFailed(_("未知的转正建议“%(v)s”。") % {"v": choice})
    employee.save(update_fields=["employment_status", "probation_ends_on", "updated_at"])
    return _keep(
        instance,
        {
            "outcome_status": employee.employment_status,
            "new_probation_ends_on": employee.probation_ends_on,
            "recommendation": choice,
        },
    )


@register("recruitment_check", gettext_lazy("核对门店编制"))
def recruitment_check(
    instance: ProcessInstance, params: dict[str, str], data: dict[str, Any]
) -> dict[str, Any]:
    from yunying.approvals.people import headcount_check
    from yunying.core.errors import DomainError

    try:
        found = headcount_check(instance.unit, str(data.get("position") or ""))
    except DomainError as exc:
        raise ActionFailed(str(exc.message)) from None
    return _keep(instance, found)


@register("recruitment_hire", gettext_lazy("录用入职"))
def recruitment_hire(
    instance: ProcessInstance, params: dict[str, str], data: dict[str, Any]
) -> dict[str, Any]:
    import datetime as dt

    from yunying.approvals.people import hire
    from yunying.core.errors import DomainError

    if instance.unit is None:
        raise ActionFailed(_("招聘申请须指明门店。"))
    raw = data.get("start_on")
    try:
        start_on = raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw))
    except ValueError:
        raise ActionFailed(_("到岗日期“%(v)s”无效。") % {"v": raw}) from None
    try:
        employee = hire(
            store=instance.unit,
            position_code=str(data.get("position") or ""),
            name=str(data.get("candidate_name") or ""),
            phone=str(data.get("candidate_phone") or ""),
            start_on=start_on,
        )
    except DomainError as exc:
        raise ActionFailed(str(exc.message)) from None
    return _keep(
        instance,
        {
            "employee_no": employee.employee_no,
            "probation_ends_on": employee.probation_ends_on,
            "candidate_name": employee.name,
        },
    )
