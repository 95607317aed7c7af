"""Rectification deadlines at work: a reminder to the finding's owner a set number of working days before
its deadline, and an escalation to the head of the unit above the store (the 区域经理, or the management
department for a store it runs directly) the day after the deadline passed with the finding still open.

Run by the worker (``inspections.tasks.findings_deadline_tick``). Each notice is claimed with a conditional
update of its timestamp before it is written, so two ticks at once, or a tick run again, never send one twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yunying.core import clock
from yunying.core.calendar import unit_calendars
from yunying.core.settings_store import setting_get_int
from yunying.inspections.models import Finding, FindingStatus
from yunying.inspections.services import working_days_after
from yunying.notifications.services import notify
from yunying.org.models import Appointment, OrgUnit

BATCH = 500


@dataclass(frozen=True)
class TickResult:
    reminded: int
    escalated: int


def unit_head_users(unit: OrgUnit | None, on: dt.date) -> list[Any]:
    """The users holding a head position of ``unit`` on ``on`` (none when the seat is vacant)."""
    if unit is None:
        return []
    appointments = (
        Appointment.objects.active(on)
        .filter(unit=unit, position__is_head=True, employee__user__isnull=False)
        .select_related("employee__user")
    )
    return [a.employee.user for a in appointments]


def _owner_user(finding: Finding) -> Any:
    return finding.owner.user if finding.owner is not None else None


def findings_deadline_tick(now: dt.datetime | None = None) -> TickResult:
    """Send the reminders and escalations that are due; returns how many findings got each."""
    now = now or clock.now()
    today = clock.today()
    remind_days = setting_get_int("inspections.finding_remind_days")
    reminded = escalated = 0
    if remind_days > 0:
        candidates = (
            Finding.objects.filter(status=FindingStatus.OPEN, reminded_at__isnull=True, due_on__gte=today)
            .filter(due_on__lte=today + dt.timedelta(days=remind_days + 14))
            .select_related("store", "owner__user")[:BATCH]
        )
        findings = list(candidates)
        calendars = unit_calendars(f.store for f in findings)  # one read for every store, not one per finding
        for finding in findings:
            remind_from = working_days_after(
                finding.store, today, remind_days, calendar=calendars.get(finding.store_id)
            )
            if remind_from < finding.due_on:
                continue
            reminded += _claim_and_notify(finding, "reminded_at", now, _remind)
    overdue = Finding.objects.filter(
        status=FindingStatus.OPEN, escalated_at__isnull=True, due_on__lt=today
    ).select_related("store__parent", "owner__user")[:BATCH]
    for finding in overdue:
        escalated += _claim_and_notify(finding, "escalated_at", now, _escalate)
    return TickResult(reminded=reminded, escalated=escalated)


def _claim_and_notify(finding: Finding, field: str, now: dt.datetime, send: Any) -> int:
    with transaction.atomic():
        claimed = Finding.objects.filter(pk=finding.pk, **{f"{field}__isnull": True}).update(**{field: now})
        if not claimed:
            return 0
        send(finding)
    return 1


def _url(finding: Finding) -> str:
    from django.urls import reverse

    return reverse("inspections:finding", args=[finding.pk])


def _remind(finding: Finding) -> None:
    notify(
        [_owner_user(finding)],
        kind="finding_due",
        title=_("整改即将到期"),
        message=_("%(store)s：整改项“%(item)s”将于 %(due)s 到期，请及时整改并回复。")
        % {"store": finding.store.name, "item": finding.item_title, "due": finding.due_on.isoformat()},
        url=_url(finding),
        unit=finding.store,
    )


def _escalate(finding: Finding) -> None:
    above = unit_head_users(finding.store.parent, clock.today())
    notify(
        [*above, _owner_user(finding)],
        kind="finding_overdue",
        title=_("整改已超期"),
        message=_("%(store)s：整改项“%(item)s”已于 %(due)s 到期仍未整改，已升级提醒上级。")
        % {"store": finding.store.name, "item": finding.item_title, "due": finding.due_on.isoformat()},
        url=_url(finding),
        unit=finding.store,
    )
