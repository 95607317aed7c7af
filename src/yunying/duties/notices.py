"""What duties tell people, through the one notification service (`yunying.notifications.services.notify`),
inside the caller's transaction. The event kinds are the shipped ones the inbox already uses (待办任务, 到期提醒,
已超时, 已升级, 被退回, 已通过), so people's channel preferences apply to duties as to approvals."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from yunying.notifications.services import notify


def _url(occ: Any) -> str:
    return reverse("duties:occurrence", args=[occ.pk])


def _title(occ: Any) -> str:
    name = occ.duty.display_name
    if occ.subject_id:
        return f"{name}（{occ.subject.name}） · {occ.period_key}"
    return f"{name} · {occ.period_key}"


def _user(employee: Any) -> Any:
    return getattr(employee, "user", None) if employee is not None else None


def _due(occ: Any) -> str:
    from django.utils import timezone

    return timezone.localtime(occ.due_at).strftime("%m-%d %H:%M")


def arrived(occ: Any) -> None:
    user = _user(occ.assignee)
    if user is None:
        reviewer = _reviewer_user(occ)
        if reviewer is not None:
            notify(
                [reviewer],
                kind="system",
                message=_("“%(title)s”的承办岗位无人任职，请安排。") % {"title": _title(occ)},
                url=_url(occ),
            )
        return
    notify(
        [user],
        kind="assigned",
        message=_("新的职责：%(title)s，%(due)s 前提交。") % {"title": _title(occ), "due": _due(occ)},
        url=_url(occ),
    )


def reminder(occ: Any) -> None:
    user = _user(occ.assignee)
    if user is not None:
        notify(
            [user],
            kind="reminder",
            message=_("“%(title)s”将于 %(due)s 到期。") % {"title": _title(occ), "due": _due(occ)},
            url=_url(occ),
        )


def overdue(occ: Any) -> None:
    user = _user(occ.assignee)
    if user is not None:
        notify(
            [user],
            kind="overdue",
            message=_("“%(title)s”已超过期限（%(due)s），请尽快提交。")
            % {"title": _title(occ), "due": _due(occ)},
            url=_url(occ),
        )


def _reviewer_user(occ: Any) -> Any:
    from yunying.duties.services import reviewer_resolve

    return _user(reviewer_resolve(occ))


def escalated(occ: Any) -> list[Any]:
    """Tell the reviewer (or the assignee's superior) that an occurrence is still missing."""
    reviewer = _reviewer_user(occ)
    to = [reviewer] if reviewer is not None else []
    who = occ.assignee.name if occ.assignee else _("（空缺）")
    if to:
        notify(
            to,
            kind="escalated",
            message=_("%(who)s 的“%(title)s”已超时未提交（期限 %(due)s）。")
            % {"who": who, "title": _title(occ), "due": _due(occ)},
            url=_url(occ),
            unit=occ.unit,
        )
    return to


def handed_over(occ: Any) -> None:
    user = _user(occ.assignee)
    if user is not None:
        notify(
            [user],
            kind="assigned",
            message=_("因岗位变动，“%(title)s”移交给您，%(due)s 前提交。")
            % {"title": _title(occ), "due": _due(occ)},
            url=_url(occ),
        )


def submitted(occ: Any) -> None:
    user = _user(occ.reviewer)
    if user is not None:
        who = occ.assignee.name if occ.assignee else ""
        notify(
            [user],
            kind="assigned",
            message=_("%(who)s 提交了“%(title)s”，请审阅。") % {"who": who, "title": _title(occ)},
            url=_url(occ),
        )


def returned(occ: Any, comment: str) -> None:
    user = _user(occ.assignee)
    if user is not None:
        notify(
            [user],
            kind="returned",
            message=_("“%(title)s”被退回：%(comment)s") % {"title": _title(occ), "comment": comment},
            url=_url(occ),
        )


def accepted(occ: Any) -> None:
    user = _user(occ.assignee)
    if user is not None:
        notify(
            [user],
            kind="approved",
            message=_("“%(title)s”已审阅通过。") % {"title": _title(occ)},
            url=_url(occ),
        )


def copied(occ: Any) -> int:
    """An accepted occurrence to the holders of the duty's copy positions (e.g. the 行政部 for the hired-in
    managers' evaluations); returns how many were told."""
    from yunying.org.models import Appointment

    users = [
        a.employee.user
        for a in Appointment.objects.active()
        .filter(position__in=occ.duty.copy_positions.all(), employee__user__isnull=False)
        .select_related("employee__user")
    ]
    if not users:
        return 0
    notify(
        users,
        kind="cc",
        message=_("抄送：“%(title)s”已审阅通过。") % {"title": _title(occ)},
        url=_url(occ),
    )
    return len(users)
