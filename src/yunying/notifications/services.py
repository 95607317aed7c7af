"""Notifications: the one service every app calls to tell people something, and the writes of the
notification pages (read marks, preferences, robots).

``notify`` runs inside the caller's transaction: it writes the in-app rows and an outbox row per other
channel (e-mail per person, one per matching group robot); the worker sends the outbox after commit
(:mod:`yunying.notifications.outbox`). A rollback takes the notifications with it."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from yunying.core import clock as company_clock
from yunying.core.errors import DomainError, NotFound, PermissionDenied
from yunying.notifications import robots as robot_api
from yunying.notifications.kinds import KINDS
from yunying.notifications.models import (
    PERSONAL_CHANNELS,
    Channel,
    Delivery,
    DeliveryState,
    EventKind,
    Notification,
    Platform,
    Preference,
    Robot,
)
from yunying.notifications.secrets import seal, unseal, url_hint

log = logging.getLogger(__name__)

MAX_MESSAGE = 300


class _Batch:
    """The notifications of one action, written at its end (:func:`batched`)."""

    def __init__(self) -> None:
        self.rows: list[Notification] = []
        self.outbox: list[Delivery] = []


_LOCAL = threading.local()


def _batch() -> _Batch | None:
    return getattr(_LOCAL, "batch", None)


@contextmanager
def batched() -> Iterator[None]:
    """Inside: ``notify`` keeps its rows, and they are written when the block ends without an error —
    every in-app row of the block in one INSERT, the outbox in another — still inside the caller's
    transaction (same rows, same order; each keeps the time it was raised at). An error drops them,
    as the rollback would. Nested blocks join the outer one. A part of the block that is rolled back
    to a savepoint (and carries on) takes its notifications back with :func:`batch_mark` and
    :func:`batch_undo`."""
    if _batch() is not None:
        yield
        return
    batch = _Batch()
    _LOCAL.batch = batch
    try:
        yield
    finally:
        _LOCAL.batch = None
    _write(batch.rows, batch.outbox)


def batch_mark() -> tuple[int, int]:
    """Where the open batch stands (to undo back to it); (0, 0) outside one."""
    batch = _batch()
    return (len(batch.rows), len(batch.outbox)) if batch is not None else (0, 0)


def batch_undo(mark: tuple[int, int]) -> None:
    """Forget what the open batch got since ``mark`` (its savepoint was rolled back)."""
    batch = _batch()
    if batch is not None:
        del batch.rows[mark[0] :]
        del batch.outbox[mark[1] :]


def _write(rows: list[Notification], outbox: list[Delivery]) -> None:
    if rows:
        Notification.objects.bulk_create(rows)
    if outbox:
        for delivery in outbox:  # the in-app row's id, now that it has one
            if delivery.notification is not None:
                delivery.notification_id = delivery.notification.pk
        Delivery.objects.bulk_create(outbox)
        _wake_after_commit()


def notify(
    recipients: Iterable[Any],
    *,
    kind: str,
    message: str,
    title: str = "",
    url: str = "",
    unit: Any = None,
    urgent: bool | None = None,
    instance: Any = None,
    task: Any = None,
) -> list[Notification]:
    """Tell ``recipients`` (users) about an event of ``kind``; returns the in-app rows written.

    Channels come from the kind's defaults and each person's preferences; group robots hear the kinds
    they subscribe to for ``unit`` and the units above it (no unit: only company-wide robots).
    ``urgent`` (default: the kind's) lets e-mail through during a person's quiet hours."""
    people = {u.pk: u for u in recipients if u is not None and getattr(u, "is_active", True)}
    matching_robots = robots_for(kind=kind, unit=unit)
    if not people and not matching_robots:
        return []
    event_kind = _kinds().get(kind)
    is_urgent = urgent if urgent is not None else bool(event_kind and event_kind.urgent)
    defaults = list(event_kind.channels) if event_kind else [Channel.IN_APP.value]
    message = message[:MAX_MESSAGE]
    title = (title or (_(event_kind.name) if event_kind else "") or message)[:200]
    now = company_clock.now()
    window = dt.timedelta(minutes=event_kind.digest_minutes if event_kind else 0)
    preferences = preferences_of(list(people)) if people else {}
    rows: list[Notification] = []
    for user in people.values():
        preference = preferences.get(user.pk)
        channels = _channels_for(preference, kind, defaults)
        rows.append(
            Notification(
                recipient=user,
                kind=kind,
                message=message,
                url=url,
                urgent=is_urgent,
                instance=instance,
                task=task,
                created_at=now,
                delivered_at=now,
                # Someone who turned the in-app channel off for this kind still has the record, already read.
                read_at=None if Channel.IN_APP in channels else now,
            )
        )
    batch = _batch()
    if batch is None:
        Notification.objects.bulk_create(rows)
    outbox: list[Delivery] = []
    for row in rows:
        user = row.recipient
        channels = _channels_for(preferences.get(user.pk), kind, defaults)
        if Channel.EMAIL in channels and user.email:
            due = now if is_urgent else quiet_until(preferences.get(user.pk), now)
            if window and not is_urgent:
                due = _in_window(due, window, kind, channel=Channel.EMAIL, address=user.email)
            outbox.append(_delivery(Channel.EMAIL, kind, title, message, url, notification=row, due=due))
            outbox[-1].address = user.email
    for robot in matching_robots:
        due = now if is_urgent else robot_quiet_until(robot, now)
        if window and not is_urgent:
            due = _in_window(due, window, kind, channel=Channel.ROBOT, robot_id=robot.pk)
        outbox.append(_delivery(Channel.ROBOT, kind, title, message, url, robot=robot, due=due))
    if batch is not None:
        batch.rows += rows
        batch.outbox += outbox
    elif outbox:
        Delivery.objects.bulk_create(outbox)
        _wake_after_commit()
    return rows


def _in_window(due: dt.datetime, window: dt.timedelta, kind: str, **target: Any) -> dt.datetime:
    """The kind's digest window: a message of ``kind`` for the same person (address) or robot joins the
    one already waiting in an open window (sent together, as one digest); otherwise it opens a window and
    waits ``window`` for others to join it."""
    waiting = (
        Delivery.objects.filter(state=DeliveryState.PENDING, kind=kind, due_at__gte=due, **target)
        .order_by("due_at")
        .values_list("due_at", flat=True)
        .first()
    )
    batch = _batch()
    if batch is not None:  # the open batch's outbox is not written yet: it is waiting too
        mine = [
            d.due_at
            for d in batch.outbox
            if d.kind == kind
            and d.due_at >= due
            and all(getattr(d, name) == value for name, value in target.items())
        ]
        waiting = min([*mine, *([waiting] if waiting is not None else [])], default=None)
    return waiting if waiting is not None else due + window


def _delivery(
    channel: str, kind: str, title: str, body: str, url: str, *, due: dt.datetime, **links: Any
) -> Delivery:
    return Delivery(
        channel=channel, kind=kind, title=title, body=body, url=url, due_at=due, created_at=due, **links
    )


def _wake_after_commit() -> None:
    """One wake-up of the worker per transaction, however many events it raised."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(entry[1] is _wake_worker for entry in connection.run_on_commit):
        return
    transaction.on_commit(_wake_worker)


def _wake_worker() -> None:
    from yunying.notifications.tasks import wake

    wake()


def _channels_for(preference: Preference | None, kind: str, defaults: list[str]) -> set[str]:
    if preference is not None and kind in preference.channels:
        return set(preference.channels[kind]) | set()
    return set(defaults)


def quiet_until(preference: Preference | Robot | None, now: dt.datetime) -> dt.datetime:
    """``now``, or the end of the quiet hours (a person's, or a robot's group) when ``now`` falls inside
    them (company clock)."""
    if preference is None or preference.quiet_start is None or preference.quiet_end is None:
        return now
    start, end = preference.quiet_start, preference.quiet_end
    if start == end:
        return now
    local = now.astimezone(company_clock.company_zone())
    clock_time = local.time().replace(tzinfo=None)
    inside = start <= clock_time < end if start < end else (clock_time >= start or clock_time < end)
    if not inside:
        return now
    day = local.date() if clock_time < end else local.date() + dt.timedelta(days=1)
    wake = dt.datetime.combine(day, end, tzinfo=company_clock.company_zone())
    return wake.astimezone(dt.UTC)


def robot_quiet_until(robot: Robot, now: dt.datetime) -> dt.datetime:
    """When a non-urgent message for ``robot`` may go out: after its own quiet hours and, for a robot
    quiet outside its unit's working hours, not before the unit (no unit: the company's office) opens.
    A calendar that cannot answer (a year whose holidays are not known) holds nothing."""
    due = quiet_until(robot, now)
    if not robot.quiet_outside_hours:
        return due
    from yunying.core.calendar import unit_calendar
    from yunying.org.models import OrgUnit

    unit = OrgUnit.objects.filter(pk=robot.unit_id).first() if robot.unit_id else None
    try:
        return unit_calendar(unit).next_working_moment(due)
    except DomainError as exc:
        log.warning("robot %s: working hours unknown (%s); not held", robot.pk, exc)
        return due


# Event kinds and robots change rarely and are read on every event: kept per process for a short while
# (a change made here is seen at once; one made in another process within CACHE_SECONDS).
CACHE_SECONDS = 30.0
_cache: dict[str, tuple[float, Any]] = {}


def _cached(name: str, load: Any) -> Any:
    hit = _cache.get(name)
    now = time.monotonic()
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    value = load()
    _cache[name] = (now, value)
    return value


def cache_clear() -> None:
    _cache.clear()
    with _PREFERENCES_LOCK:
        _preferences.clear()


# People's preferences, read at every notification: memoised per person and process, dropped when one
# changes (``preferences_changed``, a signal receiver): here at once, in other processes at their next
# read through a generation number in Django's cache (Redis when set; else at the latest after
# CACHE_SECONDS).
_PREFERENCES_KEY = "yunying:notifications:preferences-generation"
_PREFERENCES_LOCK = threading.Lock()
_preferences: dict[int, Preference | None] = {}
_preferences_seen: list[Any] = [None, 0.0]  # the generation they were read at, until when


def _preferences_generation() -> Any:
    from django.core.cache import cache

    try:
        return cache.get(_PREFERENCES_KEY, 0)
    except Exception:  # a cache outage: read the database
        return None


def preferences_of(user_ids: list[int]) -> dict[int, Preference]:
    """The preference rows of ``user_ids`` (people who never changed theirs have none)."""
    gen = _preferences_generation()
    if gen is None:
        return {p.user_id: p for p in Preference.objects.filter(user_id__in=user_ids)}
    now = time.monotonic()
    with _PREFERENCES_LOCK:
        if _preferences_seen[0] != gen or _preferences_seen[1] < now or len(_preferences) > 20_000:
            _preferences.clear()
            _preferences_seen[:] = [gen, now + CACHE_SECONDS]
        missing = [pk for pk in user_ids if pk not in _preferences]
    if missing:
        found = {p.user_id: p for p in Preference.objects.filter(user_id__in=missing)}
        with _PREFERENCES_LOCK:
            for pk in missing:
                _preferences[pk] = found.get(pk)
    return {pk: pref for pk in user_ids if (pref := _preferences.get(pk)) is not None}


def preferences_changed(*_args: Any, **_kwargs: Any) -> None:
    """A preference row changed (a signal receiver): every process reads them again."""
    from django.core.cache import cache

    with _PREFERENCES_LOCK:
        _preferences.clear()
    try:
        try:
            cache.incr(_PREFERENCES_KEY)
        except ValueError:
            cache.set(_PREFERENCES_KEY, 1, None)
    except Exception:  # without the cache, CACHE_SECONDS bounds how stale others are
        pass


def _kinds() -> dict[str, EventKind]:
    return _cached("kinds", lambda: {k.code: k for k in EventKind.objects.all()})  # type: ignore[no-any-return]


def robots_for(*, kind: str, unit: Any) -> list[Robot]:
    """Active robots subscribed to ``kind`` whose unit is ``unit`` or above it (or the whole company)."""
    active: list[Robot] = _cached("robots", lambda: list(Robot.objects.filter(is_active=True)))
    robots = [r for r in active if kind in (r.kinds or [])]
    if not robots:
        return []
    chain = _unit_chain(unit)
    return [r for r in robots if r.unit_id is None or r.unit_id in chain]


def _unit_chain(unit: Any) -> set[int]:
    from yunying.org.models import OrgUnit

    if unit is None:
        return set()
    found: set[int] = set()
    current: int | None = unit if isinstance(unit, int) else unit.pk
    while current is not None and current not in found:
        found.add(current)
        current = OrgUnit.objects.filter(pk=current).values_list("parent_id", flat=True).first()
    return found


# --------------------------------------------------------------------------- read marks
def notification_mark_read(*, user: Any, notification_id: int) -> Notification:
    row = Notification.objects.filter(pk=notification_id, recipient=user).first()
    if row is None:
        raise NotFound(_("通知不存在。"))
    if row.read_at is None:
        row.read_at = company_clock.now()
        row.save(update_fields=["read_at"])
    return row


def notifications_mark_all_read(*, user: Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=company_clock.now()
    )


# --------------------------------------------------------------------------- preferences
def kinds_seed() -> int:
    """Load the shipped event kinds; existing rows keep the administrator's edits."""
    created = 0
    for order, seed in enumerate(KINDS, start=1):
        _row, was_created = EventKind.objects.get_or_create(
            code=seed.code,
            defaults={
                "name": seed.name,
                "channels": list(seed.channels),
                "urgent": seed.urgent,
                "sort_order": order * 10,
            },
        )
        created += int(was_created)
    cache_clear()
    return created


@transaction.atomic
def preference_save(
    *, user: Any, channels: dict[str, list[str]], quiet_start: dt.time | None, quiet_end: dt.time | None
) -> Preference:
    """Save a person's channels per kind and quiet hours (both ends, or neither)."""
    known = set(EventKind.objects.values_list("code", flat=True))
    allowed = {c.value for c in PERSONAL_CHANNELS}
    for kind, chosen in channels.items():
        if kind not in known:
            raise DomainError(_("未知的通知类型：%(kind)s") % {"kind": kind}, field="channels")
        if not set(chosen) <= allowed:
            raise DomainError(
                _("未知的通知渠道：%(c)s") % {"c": ", ".join(sorted(set(chosen) - allowed))}, field="channels"
            )
    if (quiet_start is None) != (quiet_end is None):
        raise DomainError(_("免打扰时段需要同时填写开始和结束时间。"), field="quiet_start")
    if quiet_start is not None and quiet_start == quiet_end:
        raise DomainError(_("免打扰的开始和结束时间不能相同。"), field="quiet_end")
    preference, _created = Preference.objects.get_or_create(user=user)
    preference.channels = {kind: sorted(set(chosen)) for kind, chosen in channels.items()}
    preference.quiet_start, preference.quiet_end = quiet_start, quiet_end
    preference.save()
    return preference


# --------------------------------------------------------------------------- robots
def _check_admin(actor: Any) -> None:
    if not (actor.is_superuser or actor.has_perm("notifications.change_robot")):
        raise PermissionDenied(_("只有管理员可以设置群机器人。"))


def _check_kinds(kinds: list[str]) -> list[str]:
    known = set(EventKind.objects.values_list("code", flat=True))
    unknown = sorted(set(kinds) - known)
    if unknown:
        raise DomainError(_("未知的通知类型：%(kind)s") % {"kind": ", ".join(unknown)}, field="kinds")
    return sorted(set(kinds))


@transaction.atomic
def robot_save(
    *,
    actor: Any,
    robot: Robot | None = None,
    name: str,
    platform: str,
    url: str = "",
    secret: str | None = None,
    unit: Any = None,
    kinds: list[str],
    is_active: bool = True,
    rate_per_minute: int | None = None,
    digest_max: int = 10,
    quiet_hours: tuple[dt.time | None, dt.time | None] | None = None,
    quiet_outside_hours: bool | None = None,
) -> Robot:
    """Create or change a robot. ``url`` empty keeps the stored one; ``secret`` None keeps it, "" clears it.
    ``quiet_hours``: the group's (start, end) quiet hours — (None, None) clears them, None keeps them;
    non-urgent messages wait for their end. ``quiet_outside_hours``: non-urgent messages also wait for the
    unit's working hours (None keeps the stored choice)."""
    _check_admin(actor)
    name = name.strip()
    if not name:
        raise DomainError(_("请填写机器人名称。"), field="name")
    if platform not in Platform.values:
        raise DomainError(_("不支持的机器人平台：%(p)s") % {"p": platform}, field="platform")
    if (robot is None or robot.pk is None) and not url.strip():
        raise DomainError(_("请填写机器人的 Webhook 地址。"), field="url")
    if not 1 <= digest_max <= 50:
        raise DomainError(_("每条汇总的事件数应在 1 到 50 之间。"), field="digest_max")
    rate = rate_per_minute if rate_per_minute is not None else robot_api.DEFAULT_RATE[Platform(platform)]
    if not 1 <= rate <= 10000:
        raise DomainError(_("每分钟消息数应在 1 到 10000 之间。"), field="rate_per_minute")
    target = robot or Robot()
    if quiet_hours is not None:
        quiet_start, quiet_end = quiet_hours
        if (quiet_start is None) != (quiet_end is None):
            raise DomainError(_("免打扰时段需要同时填写开始和结束时间。"), field="quiet_start")
        if quiet_start is not None and quiet_start == quiet_end:
            raise DomainError(_("免打扰的开始和结束时间不能相同。"), field="quiet_end")
        target.quiet_start, target.quiet_end = quiet_start, quiet_end
    if quiet_outside_hours is not None:
        target.quiet_outside_hours = quiet_outside_hours
    if url.strip():
        checked = robot_api.url_check(url)
        target.url_encrypted, target.url_hint = seal(checked), url_hint(checked)
    if secret is not None:
        secret = secret.strip()
        if platform == Platform.DINGTALK and secret and not secret.startswith("SEC"):
            raise DomainError(
                _("钉钉机器人的加签密钥以 SEC 开头，请从机器人设置中复制完整的密钥。"), field="secret"
            )
        target.secret_encrypted = seal(secret)
    target.name, target.platform, target.unit = name, platform, unit
    target.kinds, target.is_active = _check_kinds(kinds), is_active
    target.rate_per_minute, target.digest_max = rate, digest_max
    target.save()
    transaction.on_commit(cache_clear)
    cache_clear()
    return target


def robot_send_test(*, actor: Any, robot_id: int) -> None:
    """Send a test message now (not through the outbox: the administrator waits for the answer).
    Raises a DomainError with the platform's reason when it is refused."""
    _check_admin(actor)
    robot = Robot.objects.filter(pk=robot_id).first()
    if robot is None:
        raise NotFound(_("机器人不存在。"))
    url = unseal(robot.url_encrypted)
    if not url:
        raise DomainError(_("无法读取已保存的地址（系统密钥已更换？），请重新填写地址和密钥。"), field="url")
    robot_api.url_check(url)
    message = robot_api.Message(
        title=_("运营中台测试消息"),
        text=_("这是一条测试消息：机器人“%(name)s”已接通。") % {"name": robot.name},
    )
    now = company_clock.now()
    try:
        robot_api.post(
            robot.platform, url, unseal(robot.secret_encrypted), message, now_ms=int(now.timestamp() * 1000)
        )
    except robot_api.SendFailed as exc:
        Robot.objects.filter(pk=robot.pk).update(last_error=str(exc)[:300])
        raise DomainError(_("测试消息发送失败：%(reason)s") % {"reason": exc}, code="robot_failed") from None
    Robot.objects.filter(pk=robot.pk).update(last_error="", last_ok_at=now)


@transaction.atomic
def robot_delete(*, actor: Any, robot_id: int) -> None:
    _check_admin(actor)
    Robot.objects.filter(pk=robot_id).delete()
    cache_clear()


@transaction.atomic
def delivery_retry(*, actor: Any, delivery_id: int) -> Delivery:
    """Put a failed delivery back in the outbox (the administrator fixed the robot)."""
    _check_admin(actor)
    row = Delivery.objects.filter(pk=delivery_id).filter(Q(state="failed")).first()
    if row is None:
        raise NotFound(_("没有这条失败的发送记录。"))
    row.state, row.attempts, row.due_at, row.claim = "pending", 0, company_clock.now(), ""
    row.save(update_fields=["state", "attempts", "due_at", "claim"])
    _wake_after_commit()
    return row
