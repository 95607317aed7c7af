"""Writes of the duties app: submit an occurrence (its form validated by the forms app), review it (accept, or
send it back with a reason), comment, schedule an occasional duty, and check a duty's rule.

Allowed transitions (anything else is a :class:`~yunying.core.errors.Conflict`)::

    open ──submit──▶ submitted ──accept──▶ accepted
      ▲                  │
      └──── returned ◀───┘ (send back, with a reason)      a duty without review: open ──submit──▶ done

Only the person who holds the seat *now* may submit: someone who has left the position is told so and the
occurrence is handed to their successor on the spot (nothing of theirs is stored)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yunying.core import clock
from yunying.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from yunying.duties import notices
from yunying.duties.cards import occurrence_card_sync
from yunying.duties.models import Duty, Event, Occurrence, OnAccept, Status
from yunying.duties.recurrence import OCCASIONAL, Period, Rule, rule_validate
from yunying.duties.seats import OrgSnapshot, duty_seats, reviewer_for, seat_now
from yunying.forms.services import form_submission_files_store
from yunying.forms.validation import form_submission_validate
from yunying.org.models import Employee

MAX_COMMENT = 2000
MAX_DRAFT_BYTES = 256 * 1024

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "submit": (Status.OPEN, Status.RETURNED),
    "review": (Status.SUBMITTED,),
    "comment": (Status.OPEN, Status.RETURNED, Status.SUBMITTED, Status.ACCEPTED, Status.DONE),
}


def _employee(user: Any) -> Employee | None:
    return getattr(user, "employee", None) if user is not None and user.is_authenticated else None


def _check_transition(occ: Occurrence, action: str) -> None:
    if occ.status not in TRANSITIONS[action]:
        raise Conflict(
            _("该事项当前状态为“%(status)s”，不能%(action)s。")
            % {"status": occ.get_status_display(), "action": _action_label(action)}
        )


def _action_label(action: str) -> str:
    return {"submit": _("提交"), "review": _("审阅"), "comment": _("评论")}[action]


def reviewer_resolve(occ: Occurrence, snap: OrgSnapshot | None = None) -> Employee | None:
    """Who reviews ``occ`` today (see :func:`yunying.duties.seats.reviewer_for`)."""
    snap = snap or OrgSnapshot()
    employee_id = reviewer_for(
        snap,
        reviewer_position_id=occ.duty.reviewer_position_id,
        unit_id=occ.assignee_unit_id or occ.unit_id,
        assignee_position_id=occ.assignee_position_id,
        on=clock.today(),
    )
    if employee_id is None or employee_id == occ.assignee_id:
        return None
    return Employee.objects.select_related("user").filter(pk=employee_id).first()


def _locked(occurrence_id: int) -> Occurrence:
    occ = (
        Occurrence.objects.select_for_update(of=("self",))
        .select_related("duty", "assignee__user", "reviewer__user", "form_version", "subject", "unit")
        .filter(pk=occurrence_id)
        .first()
    )
    if occ is None:
        raise NotFound(_("找不到该职责事项。"))
    return occ


def _hand_over_if_left(actor: Any, occurrence_id: int) -> None:
    """The actor was this occurrence's assignee but no longer holds the seat: hand it over now (in its
    own transaction, so it stays done) and tell them."""
    from yunying.duties.scheduler import occurrence_hand_over

    me = _employee(actor)
    with transaction.atomic():
        occ = _locked(occurrence_id)
        if me is None or occ.assignee_id != me.pk or occ.status not in TRANSITIONS["submit"]:
            return
        seat = seat_now(OrgSnapshot(), occ, clock.today())
        if seat is not None and seat.assignee_id == me.pk:
            return
        occurrence_hand_over(occ, seat, actor=actor, now=clock.now())
        successor = occ.assignee.name if seat is not None and occ.assignee else _("（空缺）")
    raise Conflict(
        _("您已不在该岗位，不能再提交此事项；它已移交给 %(name)s。") % {"name": successor},
        code="left_position",
    )


def _locked_for_assignee(
    actor: Any, occurrence_id: int, now: Any, not_theirs: str, not_yet: str
) -> Occurrence:
    """The occurrence, locked, when ``actor`` is its assignee and it may be filled in now (submit or draft)."""
    occ = _locked(occurrence_id)
    me = _employee(actor)
    if me is None or occ.assignee_id != me.pk:
        raise PermissionDenied(not_theirs)
    _check_transition(occ, "submit")
    if occ.available_at > now:
        raise DomainError(not_yet % {"at": _local(occ.available_at)})
    return occ


def occurrence_submit(*, actor: Any, occurrence_id: int, data: Any, files: Any = None) -> Occurrence:
    """Validate ``data`` against the occurrence's form version and submit it for review."""
    _hand_over_if_left(actor, occurrence_id)
    now = clock.now()
    with transaction.atomic():
        occ = _locked_for_assignee(
            actor,
            occurrence_id,
            now,
            _("只有承办人可以提交该事项。"),
            _("该事项尚未下发，%(at)s 起可以提交。"),
        )
        cleaned = form_submission_validate(version=occ.form_version, data=data, files=files, user=actor)
        occ.data = form_submission_files_store(cleaned=cleaned)
        occ.submitted_at = now
        occ.first_submitted_at = occ.first_submitted_at or now
        occ.submitted_by = actor
        occ.reviewer = reviewer_resolve(occ) if occ.duty.needs_review else None
        occ.status = Status.SUBMITTED if occ.reviewer is not None else Status.DONE
        occ.draft, occ.draft_saved_at = None, None
        occ.save(
            update_fields=[
                *("data", "submitted_at", "first_submitted_at", "submitted_by", "reviewer", "status"),
                *("draft", "draft_saved_at"),
            ]
        )
        late = now > occ.due_at
        Event.objects.create(
            occurrence=occ, action=Event.Action.SUBMITTED, actor=actor, at=now, data={"late": late}
        )
        occurrence_card_sync(occ)
        if occ.status == Status.SUBMITTED:
            notices.submitted(occ)
    return occ


def draft_clean(version: Any, data: Any) -> dict[str, Any]:
    """What a draft keeps of ``data``: the form's own fields (table rows with their own columns), without
    files (attached when submitting) or computed fields; not validated otherwise — a draft may be
    incomplete. Bounded in size."""
    from yunying.forms import schema as form_schema

    if not isinstance(data, dict):
        raise DomainError(_("草稿内容应为对象。"), field="data")
    kept: dict[str, Any] = {}
    for spec in form_schema.schema_of(version):
        if spec.key not in data or spec.is_file or spec.is_computed:
            continue
        value = data[spec.key]
        if spec.type == form_schema.TABLE:
            columns = [c.key for c in spec.columns if not c.is_file and not c.is_computed]
            rows = value if isinstance(value, list) else []
            value = [
                {key: _plain(row[key]) for key in columns if key in row}
                for row in rows[: form_schema.MAX_TABLE_ROWS]
                if isinstance(row, dict)
            ]
        else:
            value = _plain(value)
        kept[spec.key] = value
    if len(json.dumps(kept, ensure_ascii=False).encode()) > MAX_DRAFT_BYTES:
        raise DomainError(
            _("草稿内容过大（上限 %(n)d KB）。") % {"n": MAX_DRAFT_BYTES // 1024},
            field="data",
            code="too_large",
        )
    return kept


def _plain(value: Any) -> Any:
    """A field's value as a draft keeps it: a scalar, or a flat list of scalars (multiple choice)."""
    if isinstance(value, list):
        return [v for v in value[:200] if isinstance(v, str | int | float | bool)]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return None


def occurrence_draft_save(*, actor: Any, occurrence_id: int, data: Any) -> Occurrence:
    """Keep what the assignee has filled in so far without submitting it (the form reopens with it). Who may
    and when: as for submitting. Saving again replaces the draft; the trail keeps one 保存草稿 line per run
    of saves."""
    _hand_over_if_left(actor, occurrence_id)
    now = clock.now()
    with transaction.atomic():
        occ = _locked_for_assignee(
            actor, occurrence_id, now, _("只有承办人可以保存草稿。"), _("该事项尚未下发，%(at)s 起可以填写。")
        )
        occ.draft = draft_clean(occ.form_version, data)
        occ.draft_saved_at = now
        occ.save(update_fields=["draft", "draft_saved_at"])
        last = occ.events.order_by("-at", "-pk").first()
        if last is not None and last.action == Event.Action.SAVED and last.actor_id == actor.pk:
            Event.objects.filter(pk=last.pk).update(at=now)
        else:
            Event.objects.create(occurrence=occ, action=Event.Action.SAVED, actor=actor, at=now)
    return occ


def _local(moment: dt.datetime) -> str:
    return moment.astimezone(clock.company_zone()).strftime("%Y-%m-%d %H:%M")


def _may_review(actor: Any, occ: Occurrence) -> bool:
    me = _employee(actor)
    if me is None:
        return False
    current = reviewer_resolve(occ)
    if occ.reviewer_id == me.pk:
        return current is None or current.pk == me.pk
    return current is not None and current.pk == me.pk


def occurrence_review(*, actor: Any, occurrence_id: int, accepted: bool, comment: str = "") -> Occurrence:
    """Accept a submitted occurrence, or send it back to its assignee with a reason."""
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise DomainError(_("意见最多 %(n)d 个字。") % {"n": MAX_COMMENT}, field="comment")
    if not accepted and not comment:
        raise DomainError(_("退回时请写明原因。"), field="comment")
    now = clock.now()
    with transaction.atomic():
        occ = _locked(occurrence_id)
        _check_transition(occ, "review")
        if not _may_review(actor, occ):
            raise PermissionDenied(_("只有审阅人可以审阅该事项。"))
        me = _employee(actor)
        occ.reviewer = me
        occ.reviewed_at = now
        occ.review_comment = comment
        occ.status = Status.ACCEPTED if accepted else Status.RETURNED
        occ.save(update_fields=["reviewer", "reviewed_at", "review_comment", "status"])
        action = Event.Action.ACCEPTED if accepted else Event.Action.RETURNED
        Event.objects.create(occurrence=occ, action=action, actor=actor, at=now, comment=comment)
        occurrence_card_sync(occ)
        if accepted:
            _on_accept(occ, actor, now)
            notices.accepted(occ)
            notices.copied(occ)
        else:
            notices.returned(occ, comment)
    return occ


def _on_accept(occ: Occurrence, actor: Any, now: dt.datetime) -> None:
    if occ.duty.on_accept == OnAccept.SEND_TO_STORES:
        from yunying.duties.delivery import occurrence_deliver

        stores = occurrence_deliver(occ, now=now)
        Event.objects.create(
            occurrence=occ,
            action=Event.Action.APPLIED,
            actor=actor,
            at=now,
            comment=_("已发至 %(n)d 家门店。") % {"n": stores},
            data={"stores": stores},
        )
    elif occ.duty.on_accept == OnAccept.APPLY_TARGETS:
        changed = targets_apply(occ, actor)
        Event.objects.create(
            occurrence=occ,
            action=Event.Action.APPLIED,
            actor=actor,
            at=now,
            comment=_("已写入 %(n)d 家门店的下月业绩指标。") % {"n": changed},
            data={"targets": changed},
        )


def targets_apply(occ: Occurrence, actor: Any) -> int:
    """The accepted target proposal becomes next month's store targets (all or nothing)."""
    from yunying.analytics.periods import parse_month
    from yunying.analytics.targets import store_targets_save

    month = parse_month(str(occ.data.get("month") or ""))
    amounts = {
        str(row["store"]): row["proposed"]
        for row in occ.data.get("stores") or []
        if row.get("store") and row.get("proposed") not in (None, "")
    }
    return store_targets_save(actor=actor, month=month, amounts=amounts)


def occurrence_comment(*, actor: Any, occurrence_id: int, comment: str) -> Event:
    comment = (comment or "").strip()
    if not comment:
        raise DomainError(_("请填写评论。"), field="comment")
    if len(comment) > MAX_COMMENT:
        raise DomainError(_("评论最多 %(n)d 个字。") % {"n": MAX_COMMENT}, field="comment")
    with transaction.atomic():
        occ = _locked(occurrence_id)
        _check_transition(occ, "comment")
        me = _employee(actor)
        if me is None or (me.pk not in (occ.assignee_id, occ.reviewer_id) and not _may_review(actor, occ)):
            raise PermissionDenied(_("只有承办人和审阅人可以评论。"))
        return Event.objects.create(
            occurrence=occ, action=Event.Action.COMMENTED, actor=actor, at=clock.now(), comment=comment
        )


def occasional_schedule(*, actor: Any, duty_key: str, on: dt.date) -> list[Occurrence]:
    """Put an occasional duty (e.g. a team activity) on the calendar for a day: one occurrence per seat.
    Whoever holds one of its seats, or sees the whole organisation, may."""
    from yunying.org.scope import scope_for

    duty = Duty.objects.filter(key=duty_key, is_active=True).first()
    if duty is None:
        raise NotFound(_("找不到职责 %(key)s。") % {"key": duty_key})
    if duty.cadence != OCCASIONAL:
        raise DomainError(_("只有不定期的职责可以手动安排。"), field="duty")
    today = clock.today()
    if on < today or on > today + dt.timedelta(days=366):
        raise DomainError(_("日期须在今天到一年以内。"), field="on")
    seats = duty_seats(OrgSnapshot(), duty, list(duty.positions.values_list("pk", flat=True)), today)
    me = _employee(actor)
    if not ((me is not None and any(s.assignee_id == me.pk for s in seats)) or scope_for(actor).everything):
        raise PermissionDenied(_("您不能安排该职责。"))
    return occasional_create(duty=duty, on=on)


@transaction.atomic
def occasional_create(*, duty: Duty, on: dt.date) -> list[Occurrence]:
    """The occurrences of an occasional duty on a day, one per seat (checks are the caller's)."""
    from yunying.duties.due import due_compute
    from yunying.duties.scheduler import Calendars, due_settings, form_version_for, occurrence_build

    version = form_version_for(duty)
    if version is None:
        raise DomainError(_("该职责的表单没有已发布的版本。"))
    seats = duty_seats(
        OrgSnapshot(), duty, list(duty.positions.values_list("pk", flat=True)), min(on, clock.today())
    )
    period = Period(on.isoformat(), on, on, on, "")
    calendars, now = Calendars(), clock.now()
    if Occurrence.objects.filter(duty=duty, period_key=period.key).exists():
        raise Conflict(_("这一天已经安排过该职责。"))
    rows = []
    for seat in seats:
        due = due_compute(period, due_settings(duty), calendars.of(seat.calendar_unit_id))
        occ = occurrence_build(duty=duty, period=period, seat=seat, due=due, version=version, now=now)
        occ.save()
        rows.append(occ)
    return rows


def duty_rule_check(duty: Duty) -> Rule:
    """The duty's recurrence checked (ValidationFailed with one message per field)."""
    return rule_validate(
        cadence=duty.cadence,
        starts_on=duty.starts_on,
        ends_on=duty.ends_on,
        weekday=duty.weekday,
        day=duty.day,
        second_day=duty.second_day,
        month=duty.month,
        interval=duty.interval,
        custom_unit=duty.custom_unit,
        custom_dates=duty.custom_dates,
    )
