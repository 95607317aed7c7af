"""The outbox against local receivers: bursts within a robot's rate limit (injectable clock, no real
waiting), digests, retries with backoff, claims that stop a second sender, quiet hours and e-mail."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from yunying.core import clock as company_clock
from yunying.notifications import outbox, services
from yunying.notifications.clock import ManualClock
from yunying.notifications.models import Delivery, DeliveryState, Notification, Preference, Robot
from yunying.notifications.tests.receiver import Received, receiver


def _drain(clock: ManualClock, *, rounds: int = 2000) -> int:
    """Run the sender until the outbox is empty, jumping the clock to each next moment it names."""
    runs = 0
    while Delivery.objects.filter(state__in=[DeliveryState.PENDING, DeliveryState.SENDING]).exists():
        report = outbox.deliveries_send_due(clock=clock)
        runs += 1
        assert runs < rounds, "the outbox does not drain"
        if report.next_due is not None and report.next_due > clock():
            clock.moment = report.next_due
        else:
            clock.advance(1)
    return runs


def _sent_at(request: Received) -> float:
    return int(request.query["timestamp"]) / 1000


def _max_in_any_minute(requests: list[Received]) -> int:
    moments = sorted(_sent_at(r) for r in requests)
    return max(sum(1 for t in moments if start <= t < start + 60) for start in moments)


@pytest.mark.parametrize("digest_max", [1, 10])
def test_burst_of_100_events_arrives_in_full_within_20_a_minute(
    admin: Any, chain: Any, held_queue: Any, digest_max: int
) -> None:
    with receiver() as hook:
        services.robot_save(
            actor=admin,
            name="浦东区域群",
            platform="dingtalk",
            url=hook.url,
            secret="SECburst",
            unit=chain.region_a,
            kinds=["overdue"],
            digest_max=digest_max,
        )
        for i in range(100):
            services.notify([], kind="overdue", message=f"事件{i:03d} 已超时", unit=chain.stores_a[i % 4])
        services.notify([], kind="overdue", message="别的区域", unit=chain.stores_b[0])  # not this robot's
        clock = ManualClock(timezone.now())
        _drain(clock)
    text = "\n".join(r.body["markdown"]["text"] for r in hook.requests)
    assert all(f"事件{i:03d} 已超时" in text for i in range(100))
    assert "别的区域" not in text
    assert sum(text.count(f"事件{i:03d} ") for i in range(100)) == 100  # each once
    assert len(hook.requests) == (100 if digest_max == 1 else 10)
    assert _max_in_any_minute(hook.requests) <= 20
    assert all(r.query["sign"] for r in hook.requests)
    assert Delivery.objects.filter(state=DeliveryState.SENT).count() == 100


def test_a_receiver_failing_three_times_gets_the_message_once_after_backoff(
    admin: Any, held_queue: Any
) -> None:
    with receiver("/cgi-bin/webhook/send?key=k") as hook:
        services.robot_save(actor=admin, name="运营群", platform="wecom", url=hook.url, kinds=["escalated"])
        hook.statuses = [500, 500, 500]
        services.notify([], kind="escalated", message="S01 冷库维修 已升级")
        clock = ManualClock(timezone.now())
        waits = []
        for _ in range(3):
            before = clock()
            report = outbox.deliveries_send_due(clock=clock)
            assert report.retried == 1 and report.sent == 0
            row = Delivery.objects.get()
            assert row.state == DeliveryState.PENDING and row.last_error == "HTTP 500"
            waits.append((row.due_at - before).total_seconds())
            assert outbox.deliveries_send_due(clock=clock).messages == 0  # not before the backoff
            clock.moment = row.due_at
        assert waits == [30, 60, 120]
        assert outbox.deliveries_send_due(clock=clock).sent == 1
        clock.advance(3600)
        assert outbox.deliveries_send_due(clock=clock).messages == 0
    assert len(hook.requests) == 4
    [delivered] = hook.ok
    assert "S01 冷库维修 已升级" in delivered.body["markdown"]["content"]
    row = Delivery.objects.get()
    assert row.state == DeliveryState.SENT and row.attempts == 4


def test_a_receiver_that_keeps_failing_is_marked_failed_and_shown(
    admin: Any, client: Any, held_queue: Any
) -> None:
    with receiver() as hook:
        services.robot_save(actor=admin, name="坏群", platform="dingtalk", url=hook.url, kinds=["overdue"])
        hook.statuses = [503] * 10
        services.notify([], kind="overdue", message="会失败的消息")
        _drain(ManualClock(timezone.now()))
    assert len(hook.requests) == outbox.MAX_ATTEMPTS
    row = Delivery.objects.get()
    assert row.state == DeliveryState.FAILED and row.last_error == "HTTP 503"
    assert Robot.objects.get().last_error == "HTTP 503"
    client.force_login(admin)
    page = client.get("/notifications/robots/").content.decode()
    assert "会失败的消息" in page and "HTTP 503" in page
    services.delivery_retry(actor=admin, delivery_id=row.pk)
    assert Delivery.objects.get().state == DeliveryState.PENDING


def test_a_claimed_row_is_not_sent_by_a_second_worker(admin: Any, held_queue: Any) -> None:
    """While one sender is posting, another run finds nothing to send; a sender that died mid-post leaves
    a claim that expires, and only then is the row sent again."""
    services.robot_save(
        actor=admin, name="群", platform="wecom", url="https://example.invalid/x", kinds=["cc"]
    )
    services.notify([], kind="cc", message="一条")
    clock = ManualClock(timezone.now())
    posts: list[str] = []

    def poster(platform: str, url: str, secret: str, message: Any, now_ms: int) -> None:
        posts.append(message.text)
        assert outbox.deliveries_send_due(clock=clock, poster=poster).messages == 0  # the second worker

    outbox.deliveries_send_due(clock=clock, poster=poster)
    assert posts == ["一条"] and Delivery.objects.get().state == DeliveryState.SENT

    services.notify([], kind="cc", message="两条")
    clock.moment = timezone.now() + outbox.robot_digest_window()  # past the robot's digest window

    def dies(platform: str, url: str, secret: str, message: Any, now_ms: int) -> None:
        raise SystemExit  # the worker is killed after claiming

    with pytest.raises(SystemExit):
        outbox.deliveries_send_due(clock=clock, poster=dies)
    assert Delivery.objects.filter(state=DeliveryState.SENDING).count() == 1
    assert outbox.deliveries_send_due(clock=clock, poster=poster).messages == 0
    clock.advance(outbox.LEASE_SECONDS + 1)
    assert outbox.deliveries_send_due(clock=clock, poster=poster).messages == 1
    assert posts == ["一条", "两条"]


def test_nothing_is_sent_when_the_transaction_rolls_back(admin: Any, held_queue: Any) -> None:
    from django.db import transaction

    services.robot_save(
        actor=admin, name="群", platform="wecom", url="https://example.invalid/x", kinds=["cc"]
    )
    with pytest.raises(RuntimeError), transaction.atomic():
        services.notify([admin], kind="cc", message="撤销")
        raise RuntimeError
    assert not Delivery.objects.exists() and not Notification.objects.exists()


def test_email_follows_preferences_and_waits_for_the_end_of_quiet_hours(
    chain: Any, held_queue: Any, monkeypatch: Any
) -> None:
    user = chain.users["area_a"]
    user.email = "area@example.com"
    user.save()
    services.preference_save(
        user=user,
        channels={"cc": [], "returned": ["in_app", "email"]},
        quiet_start=dt.time(22, 0),
        quiet_end=dt.time(7, 0),
    )
    zone = company_clock.company_zone()
    late = dt.datetime(2026, 12, 1, 23, 30, tzinfo=zone)
    monkeypatch.setattr(company_clock, "now", lambda: late.astimezone(dt.UTC))
    services.notify([user], kind="cc", message="抄送给你")  # turned off: kept, already read
    services.notify([user], kind="returned", message="被退回了")  # e-mail, but quiet hours
    services.notify([user], kind="overdue", message="已超时了")  # urgent: now
    rows = {d.body: d for d in Delivery.objects.all()}
    assert set(rows) == {"被退回了", "已超时了"}
    assert rows["被退回了"].due_at == dt.datetime(2026, 12, 2, 7, 0, tzinfo=zone)
    assert rows["已超时了"].due_at == late
    clock = ManualClock(late.astimezone(dt.UTC))
    outbox.deliveries_send_due(clock=clock)
    assert [m.subject for m in mail.outbox] == ["已超时"]
    assert mail.outbox[0].to == ["area@example.com"] and "已超时了" in mail.outbox[0].body
    clock.moment = dt.datetime(2026, 12, 2, 7, 0, tzinfo=zone)
    outbox.deliveries_send_due(clock=clock)
    assert [m.subject for m in mail.outbox] == ["已超时", "被退回"]
    assert Notification.objects.filter(recipient=user, read_at__isnull=True).count() == 2


@pytest.mark.parametrize(
    ("start", "end", "at", "wake"),
    [
        ("22:00", "07:00", "23:30", "2026-12-02 07:00"),
        ("22:00", "07:00", "06:59", "2026-12-01 07:00"),
        ("22:00", "07:00", "07:00", None),
        ("12:00", "14:00", "13:00", "2026-12-01 14:00"),
        ("12:00", "14:00", "21:00", None),
    ],
)
def test_quiet_hours(start: str, end: str, at: str, wake: str | None) -> None:
    zone = company_clock.company_zone()
    now = dt.datetime.combine(dt.date(2026, 12, 1), dt.time.fromisoformat(at), tzinfo=zone)
    pref = Preference(quiet_start=dt.time.fromisoformat(start), quiet_end=dt.time.fromisoformat(end))
    expected = now if wake is None else dt.datetime.fromisoformat(wake).replace(tzinfo=zone)
    assert services.quiet_until(pref, now) == expected


def test_preferences_refuse_bad_input(chain: Any) -> None:
    from yunying.core.errors import DomainError

    user = chain.users["area_a"]
    for channels, start, end in [
        ({"nope": ["in_app"]}, None, None),
        ({"cc": ["pigeon"]}, None, None),
        ({}, dt.time(22), None),
        ({}, dt.time(22), dt.time(22)),
    ]:
        with pytest.raises(DomainError):
            services.preference_save(user=user, channels=channels, quiet_start=start, quiet_end=end)
    assert not Preference.objects.filter(user=user).exists()


def test_region_robot_hears_its_stores_only(admin: Any, chain: Any, held_queue: Any) -> None:
    region = services.robot_save(
        actor=admin,
        name="浦东群",
        platform="feishu",
        url="https://open.feishu.cn/x",
        unit=chain.region_a,
        kinds=["overdue", "escalated"],
    )
    company = services.robot_save(
        actor=admin, name="公司群", platform="wecom", url="https://q/x", kinds=["overdue"]
    )
    services.notify([], kind="overdue", message="A1", unit=chain.stores_a[0])
    services.notify([], kind="overdue", message="B1", unit=chain.stores_b[0])
    services.notify([], kind="approved", message="A1 ok", unit=chain.stores_a[0])
    got = sorted((d.robot_id, d.body) for d in Delivery.objects.all())
    assert got == sorted([(region.pk, "A1"), (company.pk, "A1"), (company.pk, "B1")])


def test_one_wake_up_per_transaction(admin: Any, django_capture_on_commit_callbacks: Any) -> None:
    from django.db import transaction

    services.robot_save(
        actor=admin, name="群", platform="wecom", url="https://example.invalid/x", kinds=["cc"]
    )
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for i in range(5):
            services.notify([], kind="cc", message=f"第{i}条")
    assert len(callbacks) == 1


def test_a_rolled_back_savepoint_takes_its_wake_up_along(
    admin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.db import transaction

    services.robot_save(
        actor=admin, name="群", platform="wecom", url="https://example.invalid/x", kinds=["cc"]
    )
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        try:
            with transaction.atomic():
                services.notify([], kind="cc", message="撤销的")
                raise RuntimeError
        except RuntimeError:
            pass
        services.notify([], kind="cc", message="留下的")
    assert len(callbacks) == 1  # asked for again after the savepoint's was discarded
    assert sorted(Delivery.objects.values_list("body", flat=True))[-1] == "留下的"


def test_sent_deliveries_are_pruned_after_the_retention(admin: Any, held_queue: Any) -> None:
    services.robot_save(
        actor=admin, name="群", platform="wecom", url="https://example.invalid/x", kinds=["cc"]
    )
    services.notify([], kind="cc", message="旧的")
    clock = ManualClock(timezone.now())
    outbox.deliveries_send_due(clock=clock, poster=lambda *args: None)
    assert outbox.deliveries_prune(clock=clock) == 0
    clock.advance(31 * 86400)
    assert outbox.deliveries_prune(clock=clock) == 1 and not Delivery.objects.exists()


def test_email_goes_through_an_anymail_provider_when_configured(
    chain: Any, held_queue: Any, settings: Any
) -> None:
    """SMTP is the default; with YUNYING_EMAIL_PROVIDER the same outbox sends through django-anymail
    (its test backend stands in for a provider's API here)."""
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    user = chain.users["area_a"]
    user.email = "area@example.com"
    user.save()
    services.preference_save(
        user=user, channels={"overdue": ["in_app", "email"]}, quiet_start=None, quiet_end=None
    )
    services.notify([user], kind="overdue", message="冷库维修已超时")
    report = outbox.deliveries_send_due(clock=ManualClock(company_clock.now()))
    assert report.sent == 1
    [sent] = mail.outbox
    assert sent.to == ["area@example.com"] and "冷库维修已超时" in sent.body
    assert sent.extra_headers["Message-ID"].startswith("<delivery-")
    assert hasattr(sent, "anymail_test_params")  # sent by the provider backend, not SMTP
    assert Delivery.objects.get().state == DeliveryState.SENT


def test_a_timed_digest_window_merges_one_kind_for_one_person(
    chain: Any, held_queue: Any, monkeypatch: Any
) -> None:
    """With a 10-minute window for 'assigned', three tasks arriving minutes apart reach a person as one
    e-mail when the window closes; another kind and another person are not merged with them."""
    from yunying.notifications.models import EventKind

    EventKind.objects.filter(code="assigned").update(digest_minutes=10)
    services.cache_clear()
    user, other = chain.users["area_a"], chain.users["area_b"]
    for person, address in ((user, "area@example.com"), (other, "b@example.com")):
        person.email = address
        person.save()
        services.preference_save(
            user=person,
            channels={"assigned": ["in_app", "email"], "returned": ["in_app", "email"]},
            quiet_start=None,
            quiet_end=None,
        )
    zone = company_clock.company_zone()
    start = dt.datetime(2026, 12, 1, 10, 0, tzinfo=zone)
    for minute, who, kind, text in (
        (0, user, "assigned", "待办一"),
        (3, user, "assigned", "待办二"),
        (4, user, "returned", "被退回"),  # another kind: no window, at once
        (6, other, "assigned", "别人的待办"),
        (9, user, "assigned", "待办三"),
    ):
        moment = start + dt.timedelta(minutes=minute)
        monkeypatch.setattr(company_clock, "now", lambda m=moment: m.astimezone(dt.UTC))
        services.notify([who], kind=kind, message=text)
    clock = ManualClock(start + dt.timedelta(minutes=9))
    outbox.deliveries_send_due(clock=clock)
    assert [m.subject for m in mail.outbox] == ["被退回"]
    clock.moment = start + dt.timedelta(minutes=10)
    outbox.deliveries_send_due(clock=clock)
    digest = mail.outbox[1]
    assert digest.to == ["area@example.com"] and "（3 条）" in digest.subject
    assert all(t in digest.body for t in ("待办一", "待办二", "待办三"))
    assert len(mail.outbox) == 2  # the other person's window is still open
    clock.moment = start + dt.timedelta(minutes=16)
    outbox.deliveries_send_due(clock=clock)
    assert mail.outbox[2].to == ["b@example.com"] and mail.outbox[2].body.startswith("别人的待办")
    # after a window closes the next event opens a new one
    assert not Delivery.objects.filter(state=DeliveryState.PENDING).exists()


def test_robot_quiet_hours_hold_messages_until_they_end(
    admin: Any, chain: Any, held_queue: Any, monkeypatch: Any
) -> None:
    """A store group's robot with quiet hours 22:00–08:00: a non-urgent message at 23:00 is delivered at
    08:00 (never dropped); an urgent one goes at once."""
    from yunying.notifications.models import EventKind

    zone = company_clock.company_zone()
    night = dt.datetime(2026, 12, 1, 23, 0, tzinfo=zone)
    monkeypatch.setattr(company_clock, "now", lambda: night.astimezone(dt.UTC))
    EventKind.objects.filter(code="overdue").update(urgent=False)
    services.cache_clear()
    with receiver() as hook:
        robot = services.robot_save(
            actor=admin,
            name="陆家嘴店群",
            platform="feishu",
            url=hook.url,
            unit=chain.stores_a[0],
            kinds=["overdue", "escalated"],
            quiet_hours=(dt.time(22, 0), dt.time(8, 0)),
        )
        services.notify([], kind="overdue", message="冷库维修已超时", unit=chain.stores_a[0])
        services.notify([], kind="escalated", message="已升级", unit=chain.stores_a[0], urgent=True)
        rows = {d.body: d for d in Delivery.objects.filter(robot=robot)}
        assert rows["冷库维修已超时"].due_at == dt.datetime(2026, 12, 2, 8, 0, tzinfo=zone)
        assert rows["已升级"].due_at == night
        clock = ManualClock(night.astimezone(dt.UTC))
        outbox.deliveries_send_due(clock=clock)
        assert len(hook.requests) == 1 and "已升级" in str(hook.requests[0].body)
        clock.moment = dt.datetime(2026, 12, 2, 8, 0, tzinfo=zone)
        outbox.deliveries_send_due(clock=clock)
        assert len(hook.requests) == 2 and "冷库维修已超时" in str(hook.requests[1].body)
    # an administrator who edits the robot elsewhere keeps its quiet hours
    services.robot_save(
        actor=admin,
        robot=robot,
        name="陆家嘴店群",
        platform="feishu",
        unit=chain.stores_a[0],
        kinds=["overdue"],
    )
    robot.refresh_from_db()
    assert robot.quiet_start == dt.time(22, 0) and robot.quiet_end == dt.time(8, 0)


def test_events_to_one_robot_within_its_digest_window_go_out_as_one_message(
    admin: Any, chain: Any, held_queue: Any, monkeypatch: Any
) -> None:
    """The first event goes at once; the events of the next 60 seconds (any kind, any store under the
    robot) wait for the window to close and go out as one digest; each event once, none lost, the rate
    limit still honoured (digest_max 2: the window's 5 events are 3 messages)."""
    from yunying.core.settings_store import setting_set

    setting_set(key=outbox.DIGEST_SETTING, value=60)
    start = timezone.now().replace(microsecond=0)
    moment = {"now": start}
    monkeypatch.setattr(company_clock, "now", lambda: moment["now"])
    with receiver() as hook:
        services.robot_save(
            actor=admin,
            name="浦东区域群",
            platform="dingtalk",
            url=hook.url,
            secret="SECwindow",
            unit=chain.region_a,
            kinds=["overdue", "escalated"],
            digest_max=2,
            rate_per_minute=2,
        )
        clock = ManualClock(start)

        def event(at: float, kind: str, text: str) -> None:
            moment["now"] = clock.moment = start + dt.timedelta(seconds=at)
            services.notify([], kind=kind, message=text, unit=chain.stores_a[int(at) % 4])
            outbox.deliveries_send_due(clock=clock)

        event(0, "overdue", "第一件")
        assert len(hook.requests) == 1  # at once
        for at, kind, text in ((5, "overdue", "二"), (20, "escalated", "三"), (40, "overdue", "四")):
            event(at, kind, text)
        event(59, "overdue", "五")
        event(59.5, "escalated", "六")
        assert len(hook.requests) == 1  # the window is open: all wait
        report = outbox.deliveries_send_due(clock=clock)
        assert report.next_due == start + dt.timedelta(seconds=60)
        clock.moment = report.next_due
        report = outbox.deliveries_send_due(clock=clock)
        # one slot left in the minute: a digest of two now, the other three as slots free up
        assert report.messages == 1 and report.sent == 2 and len(hook.requests) == 2
        assert report.next_due is not None and report.next_due > clock()
        _drain(clock)
        assert len(hook.requests) == 4
        clock.advance(120)
        event((clock.moment - start).total_seconds(), "overdue", "窗口过后")  # a new window: at once
        assert len(hook.requests) == 5
    texts = [r.body["markdown"]["text"] for r in hook.requests]
    for text in ("第一件", "二", "三", "四", "五", "六", "窗口过后"):
        assert sum(t.count(text) for t in texts) == 1, text
    assert Delivery.objects.filter(state=DeliveryState.SENT).count() == 7
    assert _max_in_any_minute(hook.requests) <= 2


def test_a_digest_window_of_zero_sends_each_event_at_once(admin: Any, held_queue: Any) -> None:
    from yunying.core.settings_store import setting_set

    setting_set(key=outbox.DIGEST_SETTING, value=0)
    services.robot_save(
        actor=admin, name="群", platform="wecom", url="https://example.invalid/x", kinds=["cc"]
    )
    clock = ManualClock(timezone.now())
    posts: list[str] = []
    for text in ("一", "二", "三"):
        services.notify([], kind="cc", message=text)
        clock.moment = max(clock.moment, timezone.now())
        outbox.deliveries_send_due(clock=clock, poster=lambda *args: posts.append(args[3].text))
    assert posts == ["一", "二", "三"]


def test_a_store_robot_quiet_outside_its_opening_hours_waits_for_the_store_to_open(
    admin: Any, chain: Any, held_queue: Any, monkeypatch: Any
) -> None:
    """A store's group robot set to be quiet outside the store's opening hours (10:00–22:00 every day):
    a non-urgent event at 23:00 waits for 10:00 the next day, an urgent one goes at once, one in opening
    hours at once; a robot without a unit follows the company's office hours, and a year whose holidays
    are not known holds nothing."""
    from yunying.core.models import WorkingDays, WorkingHours
    from yunying.notifications.models import EventKind

    WorkingHours.objects.create(
        unit=chain.stores_a[0], opens_at=dt.time(10), closes_at=dt.time(22), days=WorkingDays.EVERY_DAY
    )
    EventKind.objects.filter(code="overdue").update(urgent=False)
    services.cache_clear()
    store = services.robot_save(
        actor=admin,
        name="陆家嘴店群",
        platform="feishu",
        url="https://open.feishu.cn/x",
        unit=chain.stores_a[0],
        kinds=["overdue", "escalated"],
        quiet_outside_hours=True,
    )
    office = services.robot_save(
        actor=admin,
        name="公司群",
        platform="wecom",
        url="https://q/x",
        kinds=["cc"],
        quiet_outside_hours=True,
    )
    zone = company_clock.company_zone()
    moment = {"now": dt.datetime(2026, 12, 5, 23, 0, tzinfo=zone)}  # a Saturday night
    monkeypatch.setattr(company_clock, "now", lambda: moment["now"].astimezone(dt.UTC))

    def due(robot: Robot, kind: str, text: str, at: dt.datetime, **kw: Any) -> dt.datetime:
        moment["now"] = at
        services.notify([], kind=kind, message=text, unit=chain.stores_a[0], **kw)
        return Delivery.objects.get(robot=robot, body=text).due_at

    saturday_night = dt.datetime(2026, 12, 5, 23, 0, tzinfo=zone)
    assert due(store, "overdue", "夜里", saturday_night) == dt.datetime(2026, 12, 6, 10, 0, tzinfo=zone)
    assert due(store, "escalated", "紧急", saturday_night, urgent=True) == saturday_night
    afternoon = dt.datetime(2026, 12, 6, 15, 0, tzinfo=zone)
    assert due(store, "overdue", "下午", afternoon) == afternoon  # a store is open on Sunday
    # the company's office: Monday 9:00 (the calendar's office hours, statutory working days)
    assert due(office, "cc", "周末抄送", afternoon) == dt.datetime(2026, 12, 7, 9, 0, tzinfo=zone)
    far = dt.datetime(2040, 3, 3, 23, 0, tzinfo=zone)
    assert due(office, "cc", "远期", far) == far  # holidays of 2040 unknown: not held
    # the choice is kept when the robot is saved again without it
    services.robot_save(
        actor=admin,
        robot=store,
        name="陆家嘴店群",
        platform="feishu",
        kinds=["overdue"],
        unit=chain.stores_a[0],
    )
    assert Robot.objects.get(pk=store.pk).quiet_outside_hours


def test_wake_ups_coalesce_while_a_run_waits_in_the_queue(admin: Any, held_queue: Any) -> None:
    from yunying.notifications import tasks

    with receiver() as hook:
        services.robot_save(actor=admin, name="群", platform="wecom", url=hook.url, kinds=["cc"])
        for i in range(3):
            services.notify([], kind="cc", message=f"第{i}条")
            tasks.wake()  # what each commit does: three commits while no worker has started
        assert held_queue.pending_count() == 1
        assert held_queue.dequeue().name.endswith("deliver_outbox")
        tasks.deliver_outbox.call_local()  # the run takes the flag before it reads the outbox
        assert Delivery.objects.filter(state=DeliveryState.SENT).count() == 3
        assert held_queue.result_count() == 0  # no flag left, and the run's answer is not kept
        tasks.wake()
        assert held_queue.pending_count() == 1  # a commit after the run started queues the next one


def test_the_sweep_drops_a_wake_flag_left_by_a_lost_run(admin: Any, held_queue: Any) -> None:
    from yunying.notifications import tasks

    held_queue.put(tasks.WAKE_FLAG, "1")  # a run was queued and then lost
    with receiver() as hook:
        services.robot_save(actor=admin, name="群", platform="wecom", url=hook.url, kinds=["cc"])
        services.notify([], kind="cc", message="等待")
        tasks.wake()
        assert held_queue.pending_count() == 0  # the flag says a run is coming
        tasks.outbox_sweep.call_local()  # the per-minute sweep sends it and drops the flag
        assert Delivery.objects.get().state == DeliveryState.SENT
        tasks.wake()
        assert held_queue.pending_count() == 1
