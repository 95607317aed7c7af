"""A store's day as data: routines (timed checklists, company defaults overridable per store), the record
of a routine done on a day, the alerts sent for late and missed slots, the morning meeting, the handover
book with its open items, and the duty roster with swaps.

Slot states are not stored: they are computed from the routine's times, the record and the clock
(:mod:`yunying.storeday.slots`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yunying.core.models import TimeStampedModel
from yunying.org.models import Employee, OrgUnit

STORE_ONLY = {"kind": "store"}


class Routine(TimeStampedModel):
    """A timed checklist of the store's day. ``store`` empty: the company default; a store's own row with
    the same ``key`` replaces the default for that store (times are editable per store)."""

    store = models.ForeignKey(
        OrgUnit,
        verbose_name=_("门店"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        limit_choices_to=STORE_ONLY,
        related_name="+",
        help_text=_("留空为全公司默认"),
    )
    key = models.SlugField(_("标识"), max_length=40)
    name = models.CharField(_("名称"), max_length=60)
    starts_at = models.TimeField(_("开始时间"))
    ends_at = models.TimeField(_("截止时间"))
    missed_after_minutes = models.PositiveIntegerField(
        _("超过截止多少分钟算漏做"), default=60, help_text=_("截止后仍可补做（记为迟做），超过此时长记为漏做")
    )
    items = models.JSONField(
        _("检查项"), default=list, help_text=_('[{"key": "locks", "label": "检查门锁"}]')
    )
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.IntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("日常流程")
        verbose_name_plural = _("日常流程")
        ordering = ["sort_order", "starts_at", "key"]
        constraints = [
            models.UniqueConstraint(fields=["store", "key"], name="storeday_routine_store_key"),
            models.UniqueConstraint(
                fields=["key"], condition=models.Q(store__isnull=True), name="storeday_routine_default_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class SlotRecord(models.Model):
    """A routine done at a store on a day: who ticked which items, and when."""

    store = models.ForeignKey(
        OrgUnit, on_delete=models.CASCADE, related_name="+", limit_choices_to=STORE_ONLY
    )
    date = models.DateField(_("日期"))
    routine_key = models.SlugField(_("流程"), max_length=40)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("完成人"), on_delete=models.PROTECT, related_name="+"
    )
    done_at = models.DateTimeField(_("完成时间"))
    checked = models.JSONField(_("已检查项"), default=list)
    note = models.CharField(_("备注"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("日常流程记录")
        verbose_name_plural = _("日常流程记录")
        constraints = [
            models.UniqueConstraint(fields=["store", "date", "routine_key"], name="storeday_slot_once")
        ]


class SlotAlert(models.Model):
    """A late or missed slot already told to the store manager and the area manager (once per state)."""

    store = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    routine_key = models.SlugField(max_length=40)
    state = models.CharField(max_length=10)
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["store", "date", "routine_key", "state"], name="storeday_alert_once"
            )
        ]


class MorningMeeting(TimeStampedModel):
    """晨会: one record per store and day."""

    store = models.ForeignKey(
        OrgUnit, on_delete=models.CASCADE, related_name="+", limit_choices_to=STORE_ONLY
    )
    date = models.DateField(_("日期"))
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("主持人"), on_delete=models.PROTECT, related_name="+"
    )
    present = models.PositiveIntegerField(_("出勤人数"), default=0)
    absent = models.CharField(_("缺勤人员"), max_length=300, blank=True)
    appearance_ok = models.BooleanField(_("仪容仪表合格"), default=True)
    appearance_notes = models.CharField(_("仪容仪表问题"), max_length=300, blank=True)
    sales_date = models.DateField(_("销售日期"), null=True, blank=True)
    sales_amount = models.DecimalField(
        _("昨日销售额"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    top_products = models.JSONField(_("销售前五"), default=list)
    problems = models.TextField(_("问题与改进"), blank=True)
    training_topic = models.CharField(_("培训主题"), max_length=200, blank=True)
    today_tasks = models.TextField(_("今日工作"), blank=True)
    notices = models.TextField(_("上级通知"), blank=True)

    class Meta:
        verbose_name = _("晨会记录")
        verbose_name_plural = _("晨会记录")
        constraints = [models.UniqueConstraint(fields=["store", "date"], name="storeday_meeting_once")]


class Handover(models.Model):
    """One page of the handover book: what the outgoing person hands over, confirmed by the incoming one."""

    store = models.ForeignKey(
        OrgUnit, on_delete=models.CASCADE, related_name="+", limit_choices_to=STORE_ONLY
    )
    date = models.DateField(_("日期"))
    shift = models.CharField(_("班次"), max_length=40)
    handed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("交班人"), on_delete=models.PROTECT, related_name="+"
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接班人"), on_delete=models.PROTECT, related_name="+"
    )
    cash = models.DecimalField(_("现金"), max_digits=12, decimal_places=2)
    keys = models.CharField(_("钥匙"), max_length=300)
    stock_notes = models.TextField(_("库存情况"), blank=True)
    created_at = models.DateTimeField(_("交班时间"))
    confirmed_at = models.DateTimeField(_("接班确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("交接班记录")
        verbose_name_plural = _("交接班记录")
        ordering = ["-created_at", "-pk"]


class HandoverItem(models.Model):
    """An open issue on a handover page; unresolved ones are copied to the next page."""

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="items")
    text = models.CharField(_("事项"), max_length=300)
    resolved = models.BooleanField(_("已解决"), default=False)
    carried_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="carried_to"
    )
    first_date = models.DateField(_("首次记录日期"))

    class Meta:
        ordering = ["pk"]


class RosterDuty(models.Model):
    """值班表: the duty manager of a store on a day."""

    store = models.ForeignKey(
        OrgUnit, on_delete=models.CASCADE, related_name="+", limit_choices_to=STORE_ONLY
    )
    date = models.DateField(_("日期"))
    manager = models.ForeignKey(
        Employee, verbose_name=_("值班经理"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("值班安排")
        verbose_name_plural = _("值班表")
        constraints = [models.UniqueConstraint(fields=["store", "date"], name="storeday_duty_once")]


class SwapStatus(models.TextChoices):
    REQUESTED = "requested", _("待对方确认")
    ACCEPTED = "accepted", _("已换班")
    DECLINED = "declined", _("已拒绝")


class RosterSwap(models.Model):
    """A swap asked by the manager on duty on ``date`` with ``other`` (who is on duty on ``other_date``,
    or takes the day over when ``other_date`` is empty); it happens when the other person accepts."""

    store = models.ForeignKey(
        OrgUnit, on_delete=models.CASCADE, related_name="+", limit_choices_to=STORE_ONLY
    )
    date = models.DateField(_("换出日期"))
    requester = models.ForeignKey(
        Employee, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    other = models.ForeignKey(
        Employee, verbose_name=_("换班对象"), on_delete=models.PROTECT, related_name="+"
    )
    other_date = models.DateField(_("换回日期"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=SwapStatus.choices, default=SwapStatus.REQUESTED
    )
    requested_at = models.DateTimeField(_("申请时间"))
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("换班申请")
        verbose_name_plural = _("换班申请")
        ordering = ["-requested_at", "-pk"]
