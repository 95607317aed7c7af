"""Notifications: the in-app rows people read, the outbox of deliveries per channel, the group robots and
who is told what (per event kind, per person, per org unit)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

USER = settings.AUTH_USER_MODEL


class Channel(models.TextChoices):
    IN_APP = "in_app", _("站内")
    EMAIL = "email", _("邮件")
    ROBOT = "robot", _("群机器人")


PERSONAL_CHANNELS = (Channel.IN_APP, Channel.EMAIL)


class Platform(models.TextChoices):
    DINGTALK = "dingtalk", _("钉钉")
    WECOM = "wecom", _("企业微信")
    FEISHU = "feishu", _("飞书")


class Notification(models.Model):
    """A message for a person, shown under the bell; other channels are rows of :class:`Delivery`."""

    recipient = models.ForeignKey(USER, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("类型"), max_length=30)
    message = models.CharField(_("内容"), max_length=300)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    urgent = models.BooleanField(_("紧急"), default=False)
    # The workflow is the largest producer; its instance and step are kept as links (nullable).
    instance = models.ForeignKey(
        "workflow.ProcessInstance",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    task = models.ForeignKey(
        "workflow.WorkTask", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notif_recipient_read")]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.message[:40]}"


class EventKind(models.Model):
    """An event kind (task assigned, overdue, …) and the channels it goes out on by default."""

    code = models.CharField(_("编码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    channels: models.JSONField[Any, Any] = models.JSONField(
        _("默认渠道"), default=list, blank=True, help_text=_('例如 ["in_app", "email"]')
    )
    urgent = models.BooleanField(_("紧急"), default=False, help_text=_("紧急通知在免打扰时段也会发送"))
    digest_minutes = models.PositiveIntegerField(
        _("合并窗口（分钟）"),
        default=0,
        help_text=_("同一个人（或同一个群）在此时间内收到的这类通知合并为一封邮件或一条消息；0 表示立即发送"),
    )
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("通知类型")
        verbose_name_plural = _("通知类型")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Preference(models.Model):
    """A person's choices: channels per kind (missing kinds follow the kind's defaults) and quiet hours."""

    user = models.OneToOneField(
        USER, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="notification_preference"
    )
    channels: models.JSONField[Any, Any] = models.JSONField(_("各类型的渠道"), default=dict, blank=True)
    quiet_start = models.TimeField(_("免打扰开始"), null=True, blank=True)
    quiet_end = models.TimeField(_("免打扰结束"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("个人通知设置")
        verbose_name_plural = _("个人通知设置")

    def __str__(self) -> str:
        return str(self.user)


class Robot(models.Model):
    """A group chat robot (DingTalk, WeCom, Feishu). Its webhook URL and secret are stored encrypted and
    never shown again; ``unit`` and ``kinds`` say which events it hears (for the unit and the units below)."""

    name = models.CharField(_("名称"), max_length=100)
    platform = models.CharField(_("平台"), max_length=20, choices=Platform.choices)
    url_encrypted = models.TextField(editable=False)
    url_hint = models.CharField(_("地址"), max_length=120, editable=False)
    secret_encrypted = models.TextField(editable=False, blank=True)
    unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("组织单位"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("接收该单位及其下级单位的事件；留空表示全公司"),
    )
    kinds: models.JSONField[Any, Any] = models.JSONField(_("事件类型"), default=list, blank=True)
    rate_per_minute = models.PositiveIntegerField(_("每分钟最多消息数"), default=20)
    digest_max = models.PositiveIntegerField(
        _("每条汇总最多事件数"), default=10, help_text=_("排队中的多条事件合并为一条汇总消息")
    )
    recent_sends: models.JSONField[Any, Any] = models.JSONField(default=list, blank=True, editable=False)
    # When the robot's last message was taken for sending (opens the digest window for what comes next).
    last_message_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The group's quiet hours (e.g. a store's chat at night): non-urgent messages wait for their end.
    quiet_start = models.TimeField(_("免打扰开始"), null=True, blank=True)
    quiet_end = models.TimeField(_("免打扰结束"), null=True, blank=True)
    quiet_outside_hours = models.BooleanField(
        _("营业时间外免打扰"),
        default=False,
        help_text=_(
            "非紧急消息在所属单位的营业（办公）时间外等待，到开门（上班）时发送；未设单位时按公司办公时间"
        ),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    last_ok_at = models.DateTimeField(_("最近成功"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_platform_display()})"

    @property
    def has_secret(self) -> bool:
        return bool(self.secret_encrypted)


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("失败")


class Delivery(models.Model):
    """The outbox: one row per message to send on a channel, written in the caller's transaction and sent by
    the worker after commit (claimed, sent, marked; retried with backoff; failed ones kept for the admin)."""

    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices)
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    robot = models.ForeignKey(
        Robot, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    address = models.CharField(_("地址"), max_length=254, blank=True)
    kind = models.CharField(_("类型"), max_length=30)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    url = models.CharField(_("链接"), max_length=500, blank=True)
    state = models.CharField(
        _("状态"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    due_at = models.DateTimeField(_("计划发送"), default=timezone.now)
    claim = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("发送记录")
        verbose_name_plural = _("发送记录")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "due_at"], name="delivery_state_due"),
            models.Index(fields=["robot", "state", "due_at"], name="delivery_robot_state"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.title[:40]} [{self.state}]"
