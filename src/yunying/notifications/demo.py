"""The demo's notification center (called by ``yunying.seed.demo.demo_load``): the workflow demo has already
left unread items under the bell (new tasks for area1 and mgmt, outcomes for store01); here a DingTalk
robot for the 浦东区域 group chat, pointed at a local address and switched off, so the demo never calls it
until an administrator switches it on (and, for plain http, sets YUNYING_ROBOT_ALLOW_HTTP_LOOPBACK=1)."""

from __future__ import annotations

import datetime as dt

from yunying.core import clock
from yunying.notifications.models import EventKind, Notification, Platform, Robot
from yunying.notifications.secrets import seal, url_hint
from yunying.org.models import OrgUnit

DEMO_ROBOT_URL = "http://127.0.0.1:8765/robot/send?access_token=demo-access-token"
DEMO_ROBOT_SECRET = "SECdemo0000000000000000000000000000000000000000000000000000000000"


def notifications_demo_load() -> Robot | None:
    """Idempotent: does nothing when the demo robot exists."""
    # The steps the demo people have already handled are read; the rest stays under the bell.
    Notification.objects.filter(kind="assigned", read_at__isnull=True).exclude(
        task__status__in=["open", "on_hold"]
    ).update(read_at=clock.now())
    # Copies (抄送) reach a person's e-mail as one digest per 10 minutes.
    EventKind.objects.filter(code="cc", digest_minutes=0).update(digest_minutes=10)
    region = OrgUnit.objects.filter(code="R01").first()
    if Robot.objects.filter(name="浦东区域群（演示）").exists() or region is None:
        return None
    return Robot.objects.create(
        name="浦东区域群（演示）",
        platform=Platform.DINGTALK,
        url_encrypted=seal(DEMO_ROBOT_URL),
        url_hint=url_hint(DEMO_ROBOT_URL),
        secret_encrypted=seal(DEMO_ROBOT_SECRET),
        unit=region,
        kinds=["overdue", "escalated"],
        quiet_start=dt.time(22, 0),  # the group is not woken at night: held until 08:00
        quiet_end=dt.time(8, 0),
        is_active=False,
    )
