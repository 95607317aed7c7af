"""The outbox: deliveries written by :func:`yunying.notifications.services.notify` in the caller's
transaction, sent here by the worker after commit.

A row is *claimed* before it is sent (``pending`` → ``sending`` with a claim token, in its own short
transaction: ``select_for_update(skip_locked=True)`` on PostgreSQL, a conditional update inside SQLite's
``BEGIN IMMEDIATE`` write lock), so two workers never send the same row and a retried task does nothing
twice. After the send the row is marked ``sent``, or back to ``pending`` with an exponential backoff, or
``failed`` after the last attempt (kept, and shown to the administrator). A worker that dies between claim
and mark leaves a ``sending`` row whose claim expires after :data:`LEASE_SECONDS`; only such a row — one
whose post may or may not have reached the platform — is sent again.

Robot rows are merged: what is pending for one robot goes out as one digest message (up to the robot's
``digest_max`` events), and the robot's per-minute limit holds back the rest until a slot frees — never
dropped."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from yunying.notifications import robots as robot_api
from yunying.notifications.clock import Clock, system_clock
from yunying.notifications.limiter import next_free, window_prune
from yunying.notifications.models import Channel, Delivery, DeliveryState, Robot
from yunying.notifications.secrets import unseal

log = logging.getLogger(__name__)

LEASE_SECONDS = 300
MAX_ATTEMPTS = 6
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600
BATCH = 200

Poster = Callable[[str, str, str, robot_api.Message, int], None]


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failed try: 30 s, 60 s, 120 s, … at most an hour."""
    return dt.timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS))


@dataclass
class SendReport:
    sent: int = 0
    messages: int = 0
    retried: int = 0
    failed: int = 0
    next_due: dt.datetime | None = None
    errors: list[str] = field(default_factory=list)

    def wake(self, moment: dt.datetime | None) -> None:
        if moment is not None and (self.next_due is None or moment < self.next_due):
            self.next_due = moment


def _default_poster(platform: str, url: str, secret: str, message: robot_api.Message, now_ms: int) -> None:
    robot_api.post(platform, url, secret, message, now_ms=now_ms)


def deliveries_send_due(*, clock: Clock = system_clock, poster: Poster | None = None) -> SendReport:
    """Send every delivery that is due now (e-mails, then robot messages within their limits)."""
    report = SendReport()
    _release_expired_claims(clock())
    _send_emails(clock, report)
    for robot_id in _robots_with_due(clock()):
        _send_robot(robot_id, clock, poster or _default_poster, report)
    later = (
        Delivery.objects.filter(state=DeliveryState.PENDING, due_at__gt=clock()).order_by("due_at").first()
    )
    if later is not None:
        report.wake(later.due_at)
    return report


def _release_expired_claims(now: dt.datetime) -> int:
    return Delivery.objects.filter(
        state=DeliveryState.SENDING, claimed_at__lt=now - dt.timedelta(seconds=LEASE_SECONDS)
    ).update(state=DeliveryState.PENDING, claim="")


def _claim(rows: QuerySet[Delivery], now: dt.datetime, limit: int) -> list[Delivery]:
    """Claim up to ``limit`` pending due rows of ``rows``; returns them (attempt counted)."""
    token = uuid.uuid4().hex
    with transaction.atomic():
        due = rows.filter(state=DeliveryState.PENDING, due_at__lte=now).order_by("due_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        Delivery.objects.filter(pk__in=ids, state=DeliveryState.PENDING).update(
            state=DeliveryState.SENDING, claim=token, claimed_at=now, attempts=F("attempts") + 1
        )
    return list(Delivery.objects.filter(claim=token, state=DeliveryState.SENDING).order_by("due_at", "pk"))


def _mark_sent(rows: list[Delivery], now: dt.datetime) -> None:
    Delivery.objects.filter(pk__in=[r.pk for r in rows], claim=rows[0].claim).update(
        state=DeliveryState.SENT, sent_at=now, last_error="", claim=""
    )


def _mark_failed(rows: list[Delivery], now: dt.datetime, reason: str, report: SendReport) -> None:
    reason = reason[:300]
    for row in rows:
        update: dict[str, Any]
        if row.attempts >= MAX_ATTEMPTS:
            update = {"state": DeliveryState.FAILED, "last_error": reason, "claim": ""}
            report.failed += 1
        else:
            due = now + backoff(row.attempts)
            update = {"state": DeliveryState.PENDING, "last_error": reason, "claim": "", "due_at": due}
            report.retried += 1
            report.wake(due)
        Delivery.objects.filter(pk=row.pk, claim=row.claim).update(**update)
    report.errors.append(reason)


# --------------------------------------------------------------------------- e-mail
def _send_emails(clock: Clock, report: SendReport) -> None:
    rows = Delivery.objects.filter(channel=Channel.EMAIL)
    while claimed := _claim(rows, clock(), BATCH):
        mail = get_connection(fail_silently=False)
        for row in claimed:
            body = row.body + (f"\n\n{_absolute(row.url)}" if row.url else "")
            message = EmailMessage(
                subject=row.title, body=body, to=[row.address], connection=mail, headers=_mail_headers(row)
            )
            try:
                message.send()
            except Exception as exc:  # any backend error: retried with backoff
                _mark_failed([row], clock(), f"{type(exc).__name__}: {exc}"[:200], report)
                continue
            _mark_sent([row], clock())
            report.sent += 1
            report.messages += 1
        if len(claimed) < BATCH:
            break


def _mail_headers(row: Delivery) -> dict[str, str]:
    return {"Message-ID": f"<delivery-{row.pk}@yunying>"}  # a resend after a lost claim has the same ID


def _absolute(url: str) -> str:
    if not url or "://" in url:
        return url
    return settings.YUNYING_BASE_URL.rstrip("/") + url


# --------------------------------------------------------------------------- robots
def _robots_with_due(now: dt.datetime) -> list[int]:
    return list(
        Delivery.objects.filter(
            channel=Channel.ROBOT, state=DeliveryState.PENDING, due_at__lte=now, robot__isnull=False
        )
        .values_list("robot_id", flat=True)
        .distinct()
        .order_by("robot_id")
    )


def _send_robot(robot_id: int, clock: Clock, poster: Poster, report: SendReport) -> None:
    """Send what is due for one robot, one (digest) message per free slot of its rate limit."""
    while True:
        taken = _take_slot(robot_id, clock())
        if taken is None:
            return
        robot, rows, retry_at = taken
        if retry_at is not None:
            report.wake(retry_at)
            return
        if not rows:
            return
        message = digest(rows)
        now = clock()
        try:
            poster(
                robot.platform,
                unseal(robot.url_encrypted),
                unseal(robot.secret_encrypted),
                message,
                int(now.timestamp() * 1000),
            )
        except robot_api.SendFailed as exc:
            _mark_failed(rows, clock(), str(exc), report)
            Robot.objects.filter(pk=robot.pk).update(last_error=str(exc)[:300])
            log.warning("robot %s: delivery failed (%s)", robot.pk, exc)
            return
        _mark_sent(rows, clock())
        Robot.objects.filter(pk=robot.pk).update(last_error="", last_ok_at=clock())
        report.sent += len(rows)
        report.messages += 1


def _take_slot(robot_id: int, now: dt.datetime) -> tuple[Robot, list[Delivery], dt.datetime | None] | None:
    """Under the robot's lock: a free slot of its limit and the rows for one message, or when to retry."""
    with transaction.atomic():
        robot = Robot.objects.select_for_update().filter(pk=robot_id).first()
        if robot is None:
            return None
        if not robot.is_active:
            return robot, [], None
        stamp = now.timestamp()
        recent = [float(t) for t in robot.recent_sends]
        free_at = next_free(recent, stamp, robot.rate_per_minute)
        if free_at is not None:
            return robot, [], dt.datetime.fromtimestamp(free_at, tz=dt.UTC)
        rows = _claim(Delivery.objects.filter(robot_id=robot_id), now, max(robot.digest_max, 1))
        if rows:
            robot.recent_sends = [*window_prune(recent, stamp), stamp]
            robot.save(update_fields=["recent_sends"])
        return robot, rows, None


def digest(rows: list[Delivery]) -> robot_api.Message:
    """One message for one row; a digest listing each event with its link for several."""
    if len(rows) == 1:
        row = rows[0]
        return robot_api.Message(title=row.title, text=row.body, url=_absolute(row.url))
    lines = []
    for row in rows:
        link = f" [{_('查看')}]({_absolute(row.url)})" if row.url else ""
        lines.append(f"- **{row.title}**：{row.body}{link}")
    title = ngettext("%(n)d 条通知", "%(n)d 条通知", len(rows)) % {"n": len(rows)}
    return robot_api.Message(title=title, text="\n".join(lines))
