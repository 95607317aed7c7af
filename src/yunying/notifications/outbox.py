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
dropped. After a robot's message goes out, new events for it wait for the end of its digest window
(setting ``notifications.robot_digest_seconds``) and then go out together; a retry or a message the rate
limit held back is not held further, and what is due with it joins its message."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
from yunying.notifications.limiter import free_slots, next_free, record
from yunying.notifications.models import Channel, Delivery, DeliveryState, Robot
from yunying.notifications.secrets import unseal

log = logging.getLogger(__name__)

LEASE_SECONDS = 300
DIGEST_SETTING = "notifications.robot_digest_seconds"
DIGEST_MAX_SECONDS = 3600
MAX_ATTEMPTS = 6
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600
BATCH = 200
MESSAGES_PER_CLAIM = 50
RETENTION_DAYS = 30

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
    with _relaxed_commits():
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


def deliveries_prune(*, days: int = RETENTION_DAYS, clock: Clock = system_clock) -> int:
    """Delete sent deliveries older than ``days`` (the in-app notifications themselves are kept)."""
    cutoff = clock() - dt.timedelta(days=days)
    deleted, _by_model = Delivery.objects.filter(state=DeliveryState.SENT, sent_at__lt=cutoff).delete()
    return deleted


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


@contextmanager
def _relaxed_commits() -> Iterator[None]:
    """On PostgreSQL the sender's commits (claims, marks) do not wait for the WAL flush
    (``synchronous_commit = off`` for this connection while it sends): a worker that dies keeps every mark
    it made; only a database crash within milliseconds of a mark could lose it, and that row would be
    sent again."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


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
        for group in _by_person_and_kind(claimed):
            try:
                _email(group, mail).send()
            except Exception as exc:  # any backend error: retried with backoff
                _mark_failed(group, clock(), f"{type(exc).__name__}: {exc}"[:200], report)
                continue
            _mark_sent(group, clock())
            report.sent += len(group)
            report.messages += 1
        if len(claimed) < BATCH:
            break


def _by_person_and_kind(rows: list[Delivery]) -> list[list[Delivery]]:
    """Rows due together for one address and kind (a digest window, see ``EventKind.digest_minutes``)
    go out as one e-mail."""
    groups: dict[tuple[str, str], list[Delivery]] = {}
    for row in rows:
        groups.setdefault((row.address, row.kind), []).append(row)
    return list(groups.values())


def _email(rows: list[Delivery], mail: Any) -> EmailMessage:
    if len(rows) == 1:
        row = rows[0]
        body = row.body + (f"\n\n{_absolute(row.url)}" if row.url else "")
        subject = row.title
    else:
        lines = [f"- {r.body}" + (f"\n  {_absolute(r.url)}" if r.url else "") for r in rows]
        body = "\n".join(lines)
        subject = ngettext("%(title)s（%(n)d 条）", "%(title)s（%(n)d 条）", len(rows)) % {
            "title": rows[0].title,
            "n": len(rows),
        }
    return EmailMessage(
        subject=subject, body=body, to=[rows[0].address], connection=mail, headers=_mail_headers(rows[0])
    )


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
    """Send what is due for one robot: as many (digest) messages as its rate limit lets out now, taken in
    one claim; each message's rows are marked as soon as its post is answered."""
    while True:
        taken = _take_slots(robot_id, clock())
        if taken is None:
            return
        robot, groups, retry_at = taken
        if retry_at is not None:
            report.wake(retry_at)
            return
        if not groups:
            return
        url, secret = unseal(robot.url_encrypted), unseal(robot.secret_encrypted)
        for index, rows in enumerate(groups):
            now = clock()
            try:
                poster(robot.platform, url, secret, digest(rows), int(now.timestamp() * 1000))
            except robot_api.SendFailed as exc:
                _mark_failed(rows, clock(), str(exc), report)
                _release([row for later in groups[index + 1 :] for row in later])
                Robot.objects.filter(pk=robot.pk).update(last_error=str(exc)[:300])
                log.warning("robot %s: delivery failed (%s)", robot.pk, exc)
                return
            _mark_sent(rows, clock())
            report.sent += len(rows)
            report.messages += 1
        Robot.objects.filter(pk=robot.pk).update(last_error="", last_ok_at=clock())


def _release(rows: list[Delivery]) -> None:
    """Give back claimed rows that were not tried (their attempt is not counted)."""
    if rows:
        Delivery.objects.filter(pk__in=[r.pk for r in rows], claim=rows[0].claim).update(
            state=DeliveryState.PENDING, claim="", attempts=F("attempts") - 1
        )


def robot_digest_window() -> dt.timedelta:
    """The robots' digest window (the setting, bounded to 0–1 hour; 0: no window)."""
    from yunying.core.settings_store import setting_get_int

    return dt.timedelta(seconds=min(max(setting_get_int(DIGEST_SETTING), 0), DIGEST_MAX_SECONDS))


def _digest_hold(robot: Robot, rows: QuerySet[Delivery], now: dt.datetime) -> dt.datetime | None:
    """The end of the robot's open digest window when everything due for it arrived after its last
    message (they wait and go out together); None when it may send now."""
    if robot.last_message_at is None:
        return None
    closes = robot.last_message_at + robot_digest_window()
    if now >= closes:
        return None
    older = rows.filter(state=DeliveryState.PENDING, due_at__lte=now, created_at__lte=robot.last_message_at)
    return None if older.exists() else closes


def _take_slots(
    robot_id: int, now: dt.datetime
) -> tuple[Robot, list[list[Delivery]], dt.datetime | None] | None:
    """Under the robot's lock: the rows of the messages its rate limit lets out now (grouped into digests
    of ``digest_max``), the slots recorded as used; or the moment a slot frees up (or its digest window
    closes)."""
    with transaction.atomic():
        robot = Robot.objects.select_for_update().filter(pk=robot_id).first()
        if robot is None:
            return None
        if not robot.is_active:
            return robot, [], None
        stamp = now.timestamp()
        free = min(free_slots(robot.recent_sends, stamp, robot.rate_per_minute), MESSAGES_PER_CLAIM)
        if free == 0:
            free_at = next_free(robot.recent_sends, stamp, robot.rate_per_minute)
            return robot, [], dt.datetime.fromtimestamp(free_at or stamp + 1, tz=dt.UTC)
        pending = Delivery.objects.filter(robot_id=robot_id)
        hold = _digest_hold(robot, pending, now)
        if hold is not None:
            return robot, [], hold
        size = max(robot.digest_max, 1)
        rows = _claim(pending, now, free * size)
        groups = [rows[i : i + size] for i in range(0, len(rows), size)]
        if groups:
            robot.recent_sends = record(robot.recent_sends, stamp, len(groups))
            robot.last_message_at = now
            robot.save(update_fields=["recent_sends", "last_message_at"])
        return robot, groups, None


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
