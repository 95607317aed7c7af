"""Recurring duties are data: a duty says who (positions, in which part of the organisation), what (a form
to submit), when (a recurrence rule, a due time in the seat's working calendar, how holidays move it), who
reviews it, and its reminders. The worker materialises each period's occurrence per seat ahead of time; an
occurrence keeps the form version it was created with, its submission and its review trail.

A *seat* is where a duty lands: a position in a unit (the 店长 of S01), or — for reviews of people — one
person under review (the 店长 of S01, evaluated by their superior). Occurrences belong to seats, not to
people: when the person in a seat changes, the open occurrences follow the seat to the successor."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yunying.core.models import TimeStampedModel


class Category(models.TextChoices):
    PLAN = "plan", _("计划与总结")
    REPORT = "report", _("报告")
    MEETING = "meeting", _("会议")
    CHECKLIST = "checklist", _("检查清单")
    EVALUATION = "evaluation", _("考评")
    SURVEY = "survey", _("调查")
    ACTIVITY = "activity", _("活动")


class Cadence(models.TextChoices):
    WEEKLY = "weekly", _("每周")
    MONTHLY = "monthly", _("每月")
    HALF_MONTHLY = "half_monthly", _("每半月")
    QUARTERLY = "quarterly", _("每季度")
    YEARLY = "yearly", _("每年")
    CUSTOM = "custom", _("自定义")
    OCCASIONAL = "occasional", _("不定期")
    PROGRAMME = "programme", _("按培养计划")


class CustomUnit(models.TextChoices):
    DAY = "day", _("天")
    WEEK = "week", _("周")
    MONTH = "month", _("月")


class HolidayShift(models.TextChoices):
    EARLIER = "earlier", _("提前到前一个工作日")
    LATER = "later", _("顺延到下一个工作日")
    NONE = "none", _("不调整")


class AssignTo(models.TextChoices):
    HOLDERS = "holders", _("岗位任职者本人")
    SUPERIOR = "superior", _("任职者的直接上级（逐人）")


class Prefill(models.TextChoices):
    NONE = "", _("无")
    PREVIOUS_PLAN = "previous_plan", _("上期计划（总结未完成事项）")
    WEEKLY_PERFORMANCE = "weekly_performance", _("周业绩汇总（业绩分析）")
    DELIVERY_INCIDENTS = "delivery_incidents", _("周配送事故汇总（配送事故流程）")
    TARGET_PROPOSAL = "target_proposal", _("下月业绩指标建议（业绩指标）")
    INSPECTION_BULLETIN = "inspection_bulletin", _("督导检查公报（巡店）")
    QUALITY_EVALUATION = "quality_evaluation", _("门店运营质量评估（巡店）")
    TRAINING_NEEDS = "training_needs", _("本季度培训需求调查汇总")
    CADRE_SUMMARY = "cadre_summary", _("本季度干部能力评估汇总")


class OnAccept(models.TextChoices):
    NONE = "", _("无")
    APPLY_TARGETS = "apply_targets", _("写入下月业绩指标")
    SEND_TO_STORES = "send_to_stores", _("发至各门店")


class Duty(TimeStampedModel):
    key = models.SlugField(_("标识"), max_length=60, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=150, blank=True)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices, default=Category.REPORT)
    description = models.TextField(_("说明"), blank=True)
    form = models.ForeignKey(
        "yyforms.FormDefinition", verbose_name=_("表单"), on_delete=models.PROTECT, related_name="+"
    )
    positions = models.ManyToManyField(
        "org.Position", verbose_name=_("岗位"), related_name="+", help_text=_("由谁完成（或：考评谁）")
    )
    assign_to = models.CharField(
        _("承办人"), max_length=10, choices=AssignTo.choices, default=AssignTo.HOLDERS
    )
    unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("适用范围"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("只适用于该单位及其下级；留空则适用于全公司"),
    )
    cadence = models.CharField(_("周期"), max_length=20, choices=Cadence.choices)
    weekday = models.PositiveSmallIntegerField(
        _("星期"), null=True, blank=True, help_text=_("每周：0 为周一，6 为周日")
    )
    day = models.CharField(
        _("日"),
        max_length=20,
        blank=True,
        help_text=_(
            "1–31（大于当月天数时取月末）、last（月末）、last_working（最后一个工作日）、first_working"
        ),
    )
    second_day = models.CharField(
        _("下半月的日"), max_length=20, blank=True, help_text=_("每半月：下半月的到期日，默认 last")
    )
    month = models.PositiveSmallIntegerField(
        _("月"), null=True, blank=True, help_text=_("每年：1–12；每季度：季度内第几个月（1–3）")
    )
    interval = models.PositiveSmallIntegerField(_("间隔"), default=1, help_text=_("每几周 / 几个月 / 几天"))
    custom_unit = models.CharField(_("自定义单位"), max_length=10, choices=CustomUnit.choices, blank=True)
    custom_dates = models.CharField(
        _("自定义日期"), max_length=300, blank=True, help_text=_("每年的固定日期，如 03-15, 09-15")
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    due_time = models.TimeField(
        _("截止时间"), null=True, blank=True, help_text=_("到期日当天的时刻；留空为当天下班时间")
    )
    holiday_shift = models.CharField(
        _("遇节假日"), max_length=10, choices=HolidayShift.choices, default=HolidayShift.EARLIER
    )
    lead_days = models.PositiveSmallIntegerField(
        _("提前下发（工作日）"), default=2, help_text=_("到期前几个工作日出现在待办中")
    )
    remind_before_hours = models.PositiveSmallIntegerField(
        _("到期前提醒（工作小时）"), default=4, help_text=_("0 为不提醒")
    )
    escalate_after_hours = models.PositiveSmallIntegerField(
        _("超时后升级（工作小时）"), default=8, help_text=_("超时这么久仍未提交则通知审阅人；0 为不升级")
    )
    needs_review = models.BooleanField(_("需要审阅"), default=True)
    reviewer_position = models.ForeignKey(
        "org.Position",
        verbose_name=_("审阅岗位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("留空则由承办人的直接上级审阅"),
    )
    copy_positions = models.ManyToManyField(
        "org.Position",
        verbose_name=_("抄送岗位"),
        blank=True,
        related_name="+",
        help_text=_("通过后抄送这些岗位的任职者（如行政部）"),
    )
    prefill = models.CharField(_("预填内容"), max_length=30, choices=Prefill.choices, blank=True)
    on_accept = models.CharField(_("通过后"), max_length=30, choices=OnAccept.choices, blank=True)
    initial: models.JSONField[Any, Any] = models.JSONField(
        _("初始内容"), default=dict, blank=True, help_text=_("每期事项表单的初始值（如固定的评分行）")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.IntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("职责")
        verbose_name_plural = _("职责")
        ordering = ["sort_order", "key"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        from django.utils.translation import get_language

        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class Status(models.TextChoices):
    OPEN = "open", _("待提交")
    SUBMITTED = "submitted", _("待审阅")
    RETURNED = "returned", _("已退回")
    ACCEPTED = "accepted", _("已通过")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


OPEN_STATUSES = (Status.OPEN, Status.RETURNED)
FINISHED_STATUSES = (Status.ACCEPTED, Status.DONE)


class Occurrence(models.Model):
    """One period of a duty for one seat."""

    duty = models.ForeignKey(
        Duty, verbose_name=_("职责"), on_delete=models.PROTECT, related_name="occurrences"
    )
    period_key = models.CharField(_("期间"), max_length=30)
    period_start = models.DateField(_("期间开始"))
    period_end = models.DateField(_("期间结束"))
    slot = models.CharField(_("席位"), max_length=80)
    unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    position = models.ForeignKey(
        "org.Position",
        verbose_name=_("岗位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject = models.ForeignKey(
        "org.Employee",
        verbose_name=_("考评对象"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duty_reviews",
    )
    assignee = models.ForeignKey(
        "org.Employee",
        verbose_name=_("承办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duty_occurrences",
    )
    assignee_position = models.ForeignKey(
        "org.Position",
        verbose_name=_("承办人岗位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assignee_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("承办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    form_version = models.ForeignKey(
        "yyforms.FormVersion", verbose_name=_("表单版本"), on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(_("到期日"))
    due_at = models.DateTimeField(_("截止时间"))
    available_at = models.DateTimeField(_("下发时间"))
    remind_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    escalate_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    provisional = models.BooleanField(
        _("期限待定"), default=False, help_text=_("该年节假日安排未知，期限暂按周一至周五计算")
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    data: models.JSONField[Any, Any] = models.JSONField(_("内容"), default=dict, blank=True)
    prefilled = models.BooleanField(_("已预填"), default=False)
    draft: models.JSONField[Any, Any] = models.JSONField(
        _("草稿"), null=True, blank=True, help_text=_("承办人保存未提交的内容；提交后清空")
    )
    draft_saved_at = models.DateTimeField(_("草稿保存时间"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("到达时间"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("已提醒"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("已通知超时"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("已升级"), null=True, blank=True)
    first_submitted_at = models.DateTimeField(_("首次提交时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewer = models.ForeignKey(
        "org.Employee",
        verbose_name=_("审阅人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duty_reviewing",
    )
    reviewed_at = models.DateTimeField(_("审阅时间"), null=True, blank=True)
    review_comment = models.TextField(_("审阅意见"), blank=True)
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        verbose_name = _("职责事项")
        verbose_name_plural = _("职责事项")
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["duty", "period_key", "slot"], name="duties_occurrence_once")
        ]
        indexes = [
            models.Index(fields=["assignee", "status"], name="duties_occ_assignee"),
            models.Index(fields=["reviewer", "status"], name="duties_occ_reviewer"),
            models.Index(fields=["due_on"], name="duties_occ_due_on"),
            models.Index(fields=["status", "available_at"], name="duties_occ_status_avail"),
            models.Index(fields=["subject", "duty"], name="duties_occ_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.duty.name} {self.period_key}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Event(models.Model):
    """One step of an occurrence's life (the trail shown on its page)."""

    class Action(models.TextChoices):
        ARRIVED = "arrived", _("下发")
        SAVED = "saved", _("保存草稿")
        SUBMITTED = "submitted", _("提交")
        RETURNED = "returned", _("退回")
        ACCEPTED = "accepted", _("通过")
        COMMENTED = "commented", _("评论")
        HANDED_OVER = "handed_over", _("移交")
        REMINDED = "reminded", _("到期提醒")
        OVERDUE = "overdue", _("超时")
        ESCALATED = "escalated", _("升级")
        CANCELLED = "cancelled", _("取消")
        APPLIED = "applied", _("已执行")

    occurrence = models.ForeignKey(
        Occurrence, verbose_name=_("职责事项"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("动作"), max_length=12, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    comment = models.TextField(_("说明"), blank=True)
    data: models.JSONField[Any, Any] = models.JSONField(_("数据"), default=dict, blank=True)
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("职责记录")
        verbose_name_plural = _("职责记录")
        ordering = ["occurrence", "at", "pk"]


class OnboardingStatus(models.TextChoices):
    ACTIVE = "active", _("培养中")
    COMPLETED = "completed", _("已完成")
    STOPPED = "stopped", _("已终止")


class Onboarding(TimeStampedModel):
    """The 1–3 month programme of a hired-in manager (外聘干部)."""

    employee = models.ForeignKey(
        "org.Employee", verbose_name=_("外聘干部"), on_delete=models.PROTECT, related_name="onboardings"
    )
    unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    position = models.ForeignKey(
        "org.Position", verbose_name=_("岗位"), on_delete=models.PROTECT, related_name="+"
    )
    started_on = models.DateField(_("开始日期"))
    months = models.PositiveSmallIntegerField(_("期限（月）"), default=3)
    status = models.CharField(
        _("状态"), max_length=10, choices=OnboardingStatus.choices, default=OnboardingStatus.ACTIVE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("外聘干部培养计划")
        verbose_name_plural = _("外聘干部培养计划")
        ordering = ["-started_on", "pk"]

    def __str__(self) -> str:
        return f"{self.employee.name} {self.started_on}"


class Checkpoint(models.Model):
    onboarding = models.ForeignKey(
        Onboarding, verbose_name=_("培养计划"), on_delete=models.CASCADE, related_name="checkpoints"
    )
    month = models.PositiveSmallIntegerField(_("第几个月"))
    area = models.CharField(_("内容"), max_length=40)
    title = models.CharField(_("检查点"), max_length=200)
    due_on = models.DateField(_("期限"))
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sort_order = models.IntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("培养检查点")
        verbose_name_plural = _("培养检查点")
        ordering = ["onboarding", "month", "sort_order", "pk"]


class StoreDelivery(models.Model):
    """An accepted occurrence sent on to a store (the supervision bulletin, 发至各门店): shown on the store's
    page; the store's people are told once (``notified_at`` claims it)."""

    occurrence = models.ForeignKey(
        Occurrence, verbose_name=_("职责事项"), on_delete=models.CASCADE, related_name="deliveries"
    )
    store = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("门店"), on_delete=models.CASCADE, related_name="duty_deliveries"
    )
    delivered_at = models.DateTimeField(_("发出时间"))
    notified_at = models.DateTimeField(_("已通知"), null=True, blank=True)

    class Meta:
        verbose_name = _("发至门店")
        verbose_name_plural = _("发至门店")
        ordering = ["-delivered_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["occurrence", "store"], name="duties_delivery_once")]
        indexes = [models.Index(fields=["store", "delivered_at"], name="duties_delivery_store")]
