"""The event kinds shipped with Yunying: code, name, default channels, urgent. Loaded into
:class:`~yunying.notifications.models.EventKind` by ``yunying seed``; administrators edit them there.
Apps that add kinds add a line here (an unknown kind still notifies in-app)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_noop


@dataclass(frozen=True)
class KindSeed:
    code: str
    name: str
    channels: tuple[str, ...] = ("in_app",)
    urgent: bool = False


KINDS: list[KindSeed] = [
    KindSeed("assigned", gettext_noop("待办任务"), ("in_app", "email")),
    KindSeed("remind", gettext_noop("催办提醒"), ("in_app", "email")),
    KindSeed("reminder", gettext_noop("到期提醒"), ("in_app", "email")),
    KindSeed("overdue", gettext_noop("已超时"), ("in_app", "email"), urgent=True),
    KindSeed("escalated", gettext_noop("已升级"), ("in_app", "email"), urgent=True),
    KindSeed("returned", gettext_noop("被退回"), ("in_app", "email")),
    KindSeed("approved", gettext_noop("已通过"), ("in_app",)),
    KindSeed("rejected", gettext_noop("已驳回"), ("in_app", "email")),
    KindSeed("cc", gettext_noop("抄送"), ("in_app",)),
    KindSeed("alert", gettext_noop("流程异常"), ("in_app", "email"), urgent=True),
    KindSeed("finding_due", gettext_noop("整改即将到期"), ("in_app", "email")),
    KindSeed("finding_overdue", gettext_noop("整改已超期"), ("in_app", "email"), urgent=True),
    KindSeed("quality", gettext_noop("运营质量评估"), ("in_app",)),
    KindSeed("bulletin", gettext_noop("督导检查公报"), ("in_app",)),
    KindSeed("system", gettext_noop("系统通知"), ("in_app",)),
    KindSeed("test", gettext_noop("测试消息"), ("in_app",)),
    KindSeed("purchase_order", gettext_noop("新采购单"), ("in_app",)),
]
