"""Inspections are data: a checklist template with numbered, frozen versions (sections and items as JSON),
visits done on one version, their answers, and the findings (整改项) that failed items become.

A visit keeps the version it was done on; publishing a new version never changes past visits."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yunying.core.models import TimeStampedModel

CONDUCT_PERMISSION = "inspections.conduct_visit"
ANSWER_PERMISSION = "inspections.answer_finding"


class CriticalRule(models.TextChoices):
    FAIL = "fail", _("红线项不合格则本次检查不合格（得分记 0）")
    CAP = "cap", _("红线项不合格则得分封顶")


class ChecklistTemplate(TimeStampedModel):
    key = models.CharField(_("标识"), max_length=60, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=150, blank=True)
    description = models.TextField(_("说明"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.IntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("检查表")
        verbose_name_plural = _("检查表")
        ordering = ["sort_order", "key"]
        permissions = [
            ("conduct_visit", _("可以巡店检查")),
            ("answer_finding", _("可以回复整改项")),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.key}）"


class TemplateVersion(models.Model):
    template = models.ForeignKey(
        ChecklistTemplate, verbose_name=_("检查表"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("版本号"))
    sections: models.JSONField[Any, Any] = models.JSONField(_("分区与检查项"), default=list)
    critical_rule = models.CharField(
        _("红线规则"), max_length=10, choices=CriticalRule.choices, default=CriticalRule.FAIL
    )
    critical_cap = models.DecimalField(_("红线封顶分"), max_digits=5, decimal_places=1, default=60)
    pass_mark = models.DecimalField(_("合格分"), max_digits=5, decimal_places=1, default=80)
    is_published = models.BooleanField(_("已发布"), default=False)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("检查表版本")
        verbose_name_plural = _("检查表版本")
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="inspections_version_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.template.key} v{self.number}"


class VisitStatus(models.TextChoices):
    DRAFT = "draft", _("进行中")
    SUBMITTED = "submitted", _("已提交")


class Visit(TimeStampedModel):
    store = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("门店"), on_delete=models.PROTECT, related_name="inspection_visits"
    )
    version = models.ForeignKey(
        TemplateVersion, verbose_name=_("检查表版本"), on_delete=models.PROTECT, related_name="visits"
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("检查人"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=VisitStatus.choices, default=VisitStatus.DRAFT
    )
    visited_on = models.DateField(_("检查日期"))
    draft: models.JSONField[Any, Any] = models.JSONField(_("草稿答案"), default=dict, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submission_key = models.CharField(_("提交幂等键"), max_length=64, blank=True)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=1, null=True, blank=True)
    raw_score = models.DecimalField(_("未计红线得分"), max_digits=5, decimal_places=1, null=True, blank=True)
    passed = models.BooleanField(_("合格"), null=True, blank=True)
    critical_failures = models.PositiveIntegerField(_("红线项不合格数"), default=0)
    summary = models.TextField(_("总评"), blank=True)
    checkin_at = models.DateTimeField(_("定位签到时间"), null=True, blank=True)
    checkin_latitude = models.DecimalField(
        _("签到纬度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    checkin_longitude = models.DecimalField(
        _("签到经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    checkin_accuracy_m = models.PositiveIntegerField(_("定位精度（米）"), null=True, blank=True)
    checkin_distance_m = models.PositiveIntegerField(_("距门店（米）"), null=True, blank=True)
    checkin_flagged = models.BooleanField(_("签到位置超出范围"), default=False)
    signature: models.JSONField[Any, Any] = models.JSONField(_("店长签字"), null=True, blank=True)
    inspector_signature: models.JSONField[Any, Any] = models.JSONField(_("检查人签字"), null=True, blank=True)
    signed_by = models.CharField(_("签字人"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("巡店记录")
        verbose_name_plural = _("巡店记录")
        ordering = ["-visited_on", "-pk"]
        indexes = [
            models.Index(fields=["store", "visited_on"]),
            models.Index(fields=["status", "visited_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.store} {self.visited_on} {self.version}"


class VisitAnswer(models.Model):
    visit = models.ForeignKey(
        Visit, verbose_name=_("巡店记录"), on_delete=models.CASCADE, related_name="answers"
    )
    section_key = models.CharField(_("分区"), max_length=40)
    item_key = models.CharField(_("检查项"), max_length=40)
    value = models.CharField(_("答案"), max_length=20, blank=True)
    not_applicable = models.BooleanField(_("不适用"), default=False)
    note = models.TextField(_("备注"), blank=True)
    photos: models.JSONField[Any, Any] = models.JSONField(_("照片"), default=list, blank=True)
    ratio = models.DecimalField(_("得分率"), max_digits=5, decimal_places=4, null=True, blank=True)
    failed = models.BooleanField(_("扣分"), default=False)
    critical = models.BooleanField(_("红线项"), default=False)

    class Meta:
        verbose_name = _("检查项答案")
        verbose_name_plural = _("检查项答案")
        ordering = ["visit", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "item_key"], name="inspections_answer_unique_item")
        ]


class FindingStatus(models.TextChoices):
    OPEN = "open", _("待整改")
    ANSWERED = "answered", _("待验证")
    CLOSED = "closed", _("已关闭")


class Finding(TimeStampedModel):
    """A failed item of a submitted visit: a corrective action (整改项) for the store."""

    visit = models.ForeignKey(
        Visit, verbose_name=_("巡店记录"), on_delete=models.CASCADE, related_name="findings"
    )
    store = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("门店"), on_delete=models.PROTECT, related_name="inspection_findings"
    )
    item_key = models.CharField(_("检查项"), max_length=40)
    section_title = models.CharField(_("分区"), max_length=100)
    item_title = models.CharField(_("检查项"), max_length=300)
    critical = models.BooleanField(_("红线项"), default=False)
    repeated = models.BooleanField(
        _("重复问题"), default=False, help_text=_("同一门店上一次同类检查也未通过此项")
    )
    inspector_note = models.TextField(_("检查备注"), blank=True)
    photos: models.JSONField[Any, Any] = models.JSONField(_("检查照片"), default=list, blank=True)
    owner = models.ForeignKey(
        "org.Employee",
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_on = models.DateField(_("整改期限"))
    status = models.CharField(
        _("状态"), max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    answer_note = models.TextField(_("整改说明"), blank=True)
    answer_photos: models.JSONField[Any, Any] = models.JSONField(_("整改照片"), default=list, blank=True)
    answered_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("到期提醒时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("超期升级时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("整改项")
        verbose_name_plural = _("整改项")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"]), models.Index(fields=["store", "status"])]

    def __str__(self) -> str:
        return f"{self.store} · {self.item_title}"


class FindingEvent(models.Model):
    """One step of a finding's life: who did what, when, with which comment (the rectification trail)."""

    class Action(models.TextChoices):
        OPENED = "opened", _("发起整改")
        ANSWERED = "answered", _("门店回复")
        ACCEPTED = "accepted", _("验证通过")
        REOPENED = "reopened", _("退回重改")
        WITHDRAWN = "withdrawn", _("巡店更正后撤销")

    finding = models.ForeignKey(
        Finding, verbose_name=_("整改项"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("动作"), max_length=10, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    comment = models.TextField(_("说明"), blank=True)
    photos: models.JSONField[Any, Any] = models.JSONField(_("照片"), default=list, blank=True)
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("整改记录")
        verbose_name_plural = _("整改记录")
        ordering = ["finding", "at", "pk"]


class QualityEvaluation(models.Model):
    """One store's monthly operations quality evaluation (月度运营质量评估): the measures it was computed from,
    the grade, whether the store went on the key rectification list (重点整改), and the demotion
    recommendation raised when this was its second failed month in a row."""

    store = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("门店"), on_delete=models.CASCADE, related_name="quality_evaluations"
    )
    month = models.DateField(_("月份"))
    visits = models.PositiveIntegerField(_("巡店次数"), default=0)
    inspection_score = models.DecimalField(
        _("巡店平均分"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    sales_attainment = models.DecimalField(
        _("业绩达成率"), max_digits=7, decimal_places=1, null=True, blank=True, help_text=_("百分比")
    )
    overdue_actions = models.PositiveIntegerField(_("超期整改项"), default=0)
    complaints = models.PositiveIntegerField(_("顾客投诉"), default=0)
    incidents = models.PositiveIntegerField(_("配送事故"), default=0)
    score = models.DecimalField(_("评估得分"), max_digits=5, decimal_places=1, null=True, blank=True)
    passed = models.BooleanField(_("合格"), null=True, blank=True)
    key_list_deadline = models.DateField(_("重点整改期限"), null=True, blank=True)
    recommendation = models.ForeignKey(
        "workflow.ProcessInstance",
        verbose_name=_("降级建议"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("月度运营质量评估")
        verbose_name_plural = _("月度运营质量评估")
        ordering = ["-month", "store__code"]
        constraints = [
            models.UniqueConstraint(fields=["store", "month"], name="qualityevaluation_store_month")
        ]

    def __str__(self) -> str:
        return f"{self.store} · {self.month:%Y-%m}"

    @property
    def on_key_list(self) -> bool:
        return self.key_list_deadline is not None


class VisitEdit(models.Model):
    """One correction of one item of a submitted visit (the edit trail, 修改记录): who changed it, when, why,
    the answer before and after, and the visit's score before and after."""

    visit = models.ForeignKey(
        Visit, verbose_name=_("巡店记录"), on_delete=models.CASCADE, related_name="edits"
    )
    item_key = models.CharField(_("检查项"), max_length=40)
    item_title = models.CharField(_("检查项"), max_length=300)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("修改时间"))
    reason = models.TextField(_("修改原因"))
    before: models.JSONField[Any, Any] = models.JSONField(_("修改前"), default=dict)
    after: models.JSONField[Any, Any] = models.JSONField(_("修改后"), default=dict)
    score_before = models.DecimalField(_("修改前得分"), max_digits=5, decimal_places=1, null=True, blank=True)
    score_after = models.DecimalField(_("修改后得分"), max_digits=5, decimal_places=1, null=True, blank=True)

    class Meta:
        verbose_name = _("巡店修改记录")
        verbose_name_plural = _("巡店修改记录")
        ordering = ["visit", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.visit_id} · {self.item_key} · {self.at:%Y-%m-%d %H:%M}"


class PlannedVisit(models.Model):
    """A visit planned on the calendar (巡店计划): which store, which day, by whom, on which checklist,
    announced or not. It is *done* once the store has a submitted visit in the same half month on or after
    the planned day (the bulletin's period); *overdue* when its day has passed without one."""

    store = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("门店"), on_delete=models.CASCADE, related_name="planned_visits"
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("检查人"), on_delete=models.CASCADE, related_name="+"
    )
    planned_on = models.DateField(_("计划日期"))
    template = models.ForeignKey(
        ChecklistTemplate,
        verbose_name=_("检查表"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    announced = models.BooleanField(_("提前通知门店"), default=False)
    proposed = models.BooleanField(_("系统排期"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("巡店计划")
        verbose_name_plural = _("巡店计划")
        ordering = ["planned_on", "store__code"]
        indexes = [models.Index(fields=["planned_on", "store"])]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "inspector", "planned_on"], name="inspections_plan_unique_store_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.store} · {self.planned_on}"


class StoreLocation(models.Model):
    """Where a store is (WGS-84, as phones report it), for the visit check-in: a visit's position is compared
    with it and flagged beyond ``inspections.checkin_radius_m``. A store without one is never flagged."""

    store = models.OneToOneField(
        "org.OrgUnit", verbose_name=_("门店"), on_delete=models.CASCADE, related_name="inspection_location"
    )
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("门店坐标")
        verbose_name_plural = _("门店坐标")

    def __str__(self) -> str:
        return f"{self.store} ({self.latitude}, {self.longitude})"
