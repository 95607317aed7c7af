"""预计审批人: the chain a request will take given its data, before it is sent or while it runs.

Runs the authority simulator (:func:`authority.simulate`) on the start form's values so far, as the
requester. Only the approvers themselves are named (with their positions); a shared queue is named by
its unit and position, never by its members, and a person chosen in a field whom the requester may not
see is "选择的人员", so nothing outside the requester's sight leaks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from yunying.core.errors import DomainError
from yunying.org.models import Appointment, UnitKind
from yunying.workflow import authority, selectors
from yunying.workflow.models import ProcessInstance, ProcessVersion, TaskStatus
from yunying.workflow.start import RESERVED, _unit_for, start_form

MAX_PEOPLE_SHOWN = 5


@dataclass(frozen=True)
class PreviewPerson:
    username: str
    name: str
    positions: str


@dataclass
class PreviewStep:
    element_id: str
    name: str
    people: list[PreviewPerson] = field(default_factory=list)
    more: int = 0  # people not shown (a countersign or 或签 of many)
    queue: str = ""
    note: str = ""  # 自动通过 / 跳过 / … in words
    done_by: str = ""  # on a running request: who already handled the step


@dataclass
class ApproverPreview:
    steps: list[PreviewStep] = field(default_factory=list)
    error: str = ""
    complete: bool = True  # False: the route waits on something the simulator cannot answer


def _auto_note(auto: str) -> str:
    return {
        "dedup": _("与上一步为同一审批人，自动通过"),
        "skip": _("无人处理，自动跳过"),
        "head": _("无人处理，转管理部负责人"),
        "stop": _("无人处理，流程将停止并告警"),
    }.get(auto, "")


def _positions(users: list[Any]) -> dict[int, str]:
    seats: dict[int, list[str]] = {}
    rows = (
        Appointment.objects.active()
        .filter(employee__user__in=users)
        .select_related("position", "unit", "employee")
        .order_by("-position__is_head", "pk")
    )
    for a in rows:
        if a.employee.user_id is not None:
            seats.setdefault(a.employee.user_id, []).append(f"{a.unit.name} {a.position.display_name}")
    return {k: "、".join(v[:2]) for k, v in seats.items()}


def _preview(*, version: ProcessVersion, requester: Any, values: dict[str, Any]) -> ApproverPreview:
    store = values.get("store")
    try:
        unit = _unit_for(requester, store if isinstance(store, str) and store else None)
    except DomainError:  # a store outside the requester's sight: preview as if none was chosen
        unit = _unit_for(requester, None)
    data = {
        "store": unit.code if unit and unit.kind == UnitKind.STORE else "",
        **{k: v for k, v in values.items() if k not in RESERVED},
        "requester": requester.username,
        "unit": unit.code if unit else "",
    }
    sim = authority.simulate(version=version, requester=requester, unit=unit, data=data)
    users = [u for s in sim.steps for u in s.users]
    seats = _positions(users)
    out = ApproverPreview(error=sim.error, complete=sim.outcome == "completed")
    for s in sim.steps:
        people = [PreviewPerson(u.username, u.display_name, seats.get(u.pk, "")) for u in s.users]
        if s.hidden:  # chosen in the form but outside the requester's sight: not named
            people.append(PreviewPerson("", _("选择的人员"), ""))
        out.steps.append(
            PreviewStep(
                element_id=s.element_id,
                name=s.name,
                people=people[:MAX_PEOPLE_SHOWN],
                more=max(0, len(people) - MAX_PEOPLE_SHOWN),
                queue=s.queue,
                note=_auto_note(s.auto),
            )
        )
    return out


def approver_preview(*, user: Any, key: str, data: Mapping[str, Any]) -> ApproverPreview:
    """The chain ``user`` would meet starting ``key`` with the start form's ``data`` (raw, as posted;
    errors in it ignored). PermissionDenied / NotFound when the user may not start the process."""
    selectors.definition_for_start(user=user, key=key)
    version = selectors.version_get(user=user, key=key)
    form = start_form(version)
    if form.empty:
        values = authority.sample_values({k: str(v) for k, v in data.items() if isinstance(v, (str, int))})
    else:
        values = form.values_so_far(dict(data), user=user)
    return _preview(version=version, requester=user, values=values)


def instance_preview(*, instance: ProcessInstance) -> ApproverPreview:
    """The chain of a running request from its current data, steps already handled marked with who
    handled them (the caller has checked that the viewer sees the instance)."""
    form = start_form(instance.version)
    values = form.values_so_far(dict(instance.data), user=instance.requester) if not form.empty else {}
    if form.empty:
        values = authority.sample_values({k: str(v) for k, v in instance.data.items()})
    preview = _preview(version=instance.version, requester=instance.requester, values=values)
    done = {
        t.element_id: t.acted_by.display_name if t.acted_by else ""
        for t in instance.tasks.filter(status=TaskStatus.COMPLETED, outcome="approved")
        .select_related("acted_by")
        .order_by("completed_at")
    }
    for step in preview.steps:
        step.done_by = done.get(step.element_id, "")
    return preview
