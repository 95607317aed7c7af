"""The workflow's data: definitions and their versions, instances, work tasks, the append-only history,
attachments, delegations (委托), carbon copies (抄送), reminders and the authority matrix (审批权限表).

The engine state of an instance is stored WITHOUT its process spec: the spec lives once per version
(``ProcessVersion.spec``) and is re-attached on load (see ``yunying.workflow.engine``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yunying.core.models import TimeStampedModel

USER = settings.AUTH_USER_MODEL


# Icons of process types: key -> (name, glyph shown in the avatar, Tabler colour).
PROCESS_ICONS: dict[str, tuple[Any, str, str]] = {
    "git-branch": (_("流程"), "流", "blue"),
    "shopping-cart": (_("采购"), "购", "green"),
    "tool": (_("维修"), "修", "orange"),
    "cash": (_("费用"), "费", "yellow"),
    "users": (_("人事"), "人", "purple"),
    "calendar": (_("请假与排班"), "假", "cyan"),
    "clipboard-check": (_("检查与整改"), "检", "teal"),
    "file-text": (_("文书"), "文", "azure"),
}


class ProcessDefinition(TimeStampedModel):
    key = models.SlugField(_("标识"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    category = models.CharField(_("分类"), max_length=50, blank=True)
    icon = models.CharField(_("图标"), max_length=40, blank=True, default="git-branch")
    description = models.TextField(_("说明"), blank=True)
    starter_positions = models.ManyToManyField(
        "org.Position", verbose_name=_("可发起岗位"), blank=True, related_name="+"
    )
    starter_units = models.ManyToManyField(
        "org.OrgUnit", verbose_name=_("可发起单位"), blank=True, related_name="+"
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        USER, verbose_name=_("创建人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The active ProcessRule rows as the runtime reads them (kept by yunying.workflow.rules): the
    # definition is loaded with the instance anyway, so rules cost no query per action.
    rules_snapshot: models.JSONField[Any, Any] = models.JSONField(default=list, blank=True, editable=False)

    class Meta:
        verbose_name = _("流程类型")
        verbose_name_plural = _("流程类型")
        ordering = ["category", "key"]
        permissions = [
            ("deploy_process", _("可以部署流程")),
            ("monitor_process", _("可以监控流程")),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.key}）"

    @property
    def icon_glyph(self) -> str:
        found = PROCESS_ICONS.get(self.icon)
        return found[1] if found else self.name[:1]

    @property
    def icon_color(self) -> str:
        found = PROCESS_ICONS.get(self.icon)
        return found[2] if found else "blue"


class ProcessVersion(models.Model):
    definition = models.ForeignKey(
        ProcessDefinition, verbose_name=_("流程类型"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("版本号"))
    process_id = models.CharField(_("BPMN 流程标识"), max_length=200)
    bpmn_xml = models.TextField(_("BPMN"))
    dmn_xml = models.JSONField(_("DMN"), default=list, blank=True)
    # Further BPMN documents deployed with it (processes its call activities name).
    bpmn_extra = models.JSONField(_("其他 BPMN 文件"), default=list, blank=True)
    spec: models.JSONField[Any, Any] = models.JSONField(_("解析后的流程"))
    deployed_by = models.ForeignKey(
        USER, verbose_name=_("部署人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deployed_at = models.DateTimeField(_("部署时间"), default=timezone.now)

    class Meta:
        verbose_name = _("流程版本")
        verbose_name_plural = _("流程版本")
        ordering = ["definition", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["definition", "number"], name="workflow_version_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.definition.key} v{self.number}"

    @property
    def properties(self) -> dict[str, dict[str, str]]:
        return dict(self.spec.get("properties", {}))

    @property
    def user_tasks(self) -> list[dict[str, Any]]:
        return list(self.spec.get("user_tasks", []))


class InstanceStatus(models.TextChoices):
    RUNNING = "running", _("进行中")
    COMPLETED = "completed", _("已通过")
    REJECTED = "rejected", _("已驳回")
    WITHDRAWN = "withdrawn", _("已撤回")
    CANCELLED = "cancelled", _("已取消")
    ERROR = "error", _("已停止")


class ProcessInstance(models.Model):
    version = models.ForeignKey(
        ProcessVersion, verbose_name=_("流程版本"), on_delete=models.PROTECT, related_name="instances"
    )
    definition = models.ForeignKey(
        ProcessDefinition, verbose_name=_("流程类型"), on_delete=models.PROTECT, related_name="instances"
    )
    title = models.CharField(_("标题"), max_length=200)
    requester = models.ForeignKey(
        USER, verbose_name=_("发起人"), on_delete=models.PROTECT, related_name="workflow_instances"
    )
    unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("所属单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="workflow_instances",
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=InstanceStatus.choices, default=InstanceStatus.RUNNING
    )
    state: models.JSONField[Any, Any] = models.JSONField(_("引擎状态"), default=dict)
    data: models.JSONField[Any, Any] = models.JSONField(_("表单数据"), default=dict)
    current_steps = models.CharField(_("当前步骤"), max_length=300, blank=True)
    waiting_for_requester = models.BooleanField(_("退回发起人"), default=False)
    has_timers = models.BooleanField(default=False)
    timer_due_at = models.DateTimeField(_("下次定时"), null=True, blank=True, db_index=True)
    # Seconds of (working) time each step used before it was returned: its clock resumes from there.
    sla_used: models.JSONField[Any, Any] = models.JSONField(default=dict, blank=True, editable=False)
    error = models.TextField(_("错误"), blank=True)
    last_reminded_at = models.DateTimeField(_("最近催办"), null=True, blank=True)
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    started_at = models.DateTimeField(_("发起时间"), default=timezone.now)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("流程实例")
        verbose_name_plural = _("流程实例")
        ordering = ["-started_at", "-pk"]
        indexes = [
            models.Index(fields=["requester", "status"]),
            models.Index(fields=["status", "started_at"]),
            models.Index(fields=["unit", "status"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def is_running(self) -> bool:
        return self.status == InstanceStatus.RUNNING


class TaskStatus(models.TextChoices):
    OPEN = "open", _("待办")
    ON_HOLD = "on_hold", _("等待加签")
    COMPLETED = "completed", _("已办")
    CANCELLED = "cancelled", _("已取消")
    SKIPPED = "skipped", _("已跳过")
    PAUSED = "paused", _("已暂停（流程出错）")


class TaskKind(models.TextChoices):
    ENGINE = "engine", _("流程步骤")
    SIGNER = "signer", _("加签")
    RESUBMIT = "resubmit", _("退回发起人")


class SignerMode(models.TextChoices):
    BEFORE = "before", _("前加签")
    AFTER = "after", _("后加签")
    PARALLEL = "parallel", _("并加签")


OPEN_STATUSES = (TaskStatus.OPEN, TaskStatus.ON_HOLD)

OUTCOME_LABELS = {
    "approved": _("同意"),
    "rejected": _("驳回"),
    "returned": _("退回"),
    "resubmitted": _("重新提交"),
    "dedup": _("自动通过（同一审批人）"),
    "skipped": _("跳过（无处理人）"),
    "stopped": _("停止（无处理人）"),
}
ACTION_LABELS = {
    "start": _("发起"),
    "assigned": _("到达"),
    "claim": _("接收"),
    "approve": _("同意"),
    "reject": _("驳回"),
    "return": _("退回"),
    "resubmit": _("重新提交"),
    "transfer": _("转交"),
    "add_signer": _("加签"),
    "comment": _("评论"),
    "attach": _("上传附件"),
    "withdraw": _("撤回"),
    "remind": _("催办"),
    "cancel": _("取消"),
    "completed": _("流程结束"),
    "stopped": _("流程停止"),
    "error": _("出错"),
    "auto_dedup": _("自动去重"),
    "auto_skip": _("自动跳过"),
    "empty_assignee": _("找不到处理人"),
    "retry": _("重试"),
    "message": _("收到消息"),
    "decision": _("决策表"),
    "script": _("脚本"),
    "timer": _("定时触发"),
    "step_cancelled": _("步骤被取消"),
    "throw": _("抛出事件"),
    "reassign": _("重新指派"),
    "system": _("系统步骤"),
    "rule": _("规则触发"),
    "archive": _("归档"),
    "sla_remind": _("到期提醒"),
    "overdue": _("已超时"),
    "escalate": _("超时升级"),
    "sla_failed": _("时限处理失败"),
    "sla_clock_time": _("时限按自然时间计算"),
}


class WorkTask(models.Model):
    """A piece of work in someone's inbox. ``kind=engine`` rows mirror a READY engine user task."""

    instance = models.ForeignKey(
        ProcessInstance, verbose_name=_("流程实例"), on_delete=models.CASCADE, related_name="tasks"
    )
    kind = models.CharField(_("类型"), max_length=20, choices=TaskKind.choices, default=TaskKind.ENGINE)
    engine_task_id = models.CharField(max_length=36, blank=True, db_index=True)
    element_id = models.CharField(_("步骤标识"), max_length=200)
    name = models.CharField(_("步骤"), max_length=200)
    form_key = models.CharField(_("表单"), max_length=60, blank=True)
    sequence = models.IntegerField(_("会签序号"), null=True, blank=True)
    assignee = models.ForeignKey(
        USER, verbose_name=_("处理人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    candidate_position = models.ForeignKey(
        "org.Position", verbose_name=_("候选岗位"), null=True, blank=True, on_delete=models.PROTECT
    )
    candidate_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("候选单位"), null=True, blank=True, on_delete=models.PROTECT
    )
    candidate_group = models.ForeignKey(
        "auth.Group", verbose_name=_("候选组"), null=True, blank=True, on_delete=models.PROTECT
    )
    candidate_users: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        USER, verbose_name=_("候选人（或签）"), blank=True, related_name="workflow_candidate_tasks"
    )
    on_behalf_of = models.ForeignKey(
        USER,
        verbose_name=_("代谁处理"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("委托：原处理人"),
    )
    claimed_at = models.DateTimeField(_("接收时间"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("加签于"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="signers",
    )
    signer_mode = models.CharField(_("加签方式"), max_length=10, choices=SignerMode.choices, blank=True)
    due_at = models.DateTimeField(_("到期时间"), null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    # Service level (yunying.workflow.sla): the due time's basis, and each reminder / escalation fires once.
    due_basis = models.CharField(_("时限计算"), max_length=10, blank=True)
    remind_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalate_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # A reminder / overdue notice / escalation that failed (not a database error): tried again with a
    # growing delay, then given up after YUNYING_SLA_MAX_ATTEMPTS with the error kept and shown.
    sla_attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    sla_retry_at = models.DateTimeField(null=True, blank=True, editable=False)
    sla_error = models.TextField(_("时限处理错误"), blank=True, editable=False)
    work_seconds = models.FloatField(_("处理用时（工作时间，秒）"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("到达时间"), default=timezone.now)
    completed_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    acted_by = models.ForeignKey(
        USER, verbose_name=_("实际处理人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(_("结果"), max_length=20, blank=True)
    comment = models.TextField(_("意见"), blank=True)
    data: models.JSONField[Any, Any] = models.JSONField(_("提交数据"), default=dict, blank=True)

    class Meta:
        verbose_name = _("待办任务")
        verbose_name_plural = _("待办任务")
        ordering = ["due_at", "created_at", "pk"]
        indexes = [
            models.Index(fields=["assignee", "status", "due_at"]),
            models.Index(fields=["candidate_position", "candidate_unit", "status"]),
            models.Index(fields=["instance", "status"]),
            models.Index(fields=["acted_by", "completed_at"]),
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["status", "remind_at"]),
            models.Index(fields=["status", "escalate_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} · #{self.instance_id}"

    @property
    def is_open(self) -> bool:
        return self.status == TaskStatus.OPEN

    @property
    def outcome_label(self) -> str:
        return str(OUTCOME_LABELS.get(self.outcome, self.outcome or self.get_status_display()))

    @property
    def is_queue(self) -> bool:
        return self.assignee_id is None

    @property
    def is_overdue(self) -> bool:
        return self.status in OPEN_STATUSES and self.due_at is not None and self.due_at < timezone.now()


class InstanceEvent(models.Model):
    """One line of an instance's history. Append-only: rows are never changed or deleted."""

    instance = models.ForeignKey(
        ProcessInstance, verbose_name=_("流程实例"), on_delete=models.CASCADE, related_name="events"
    )
    task = models.ForeignKey(
        WorkTask, verbose_name=_("任务"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.ForeignKey(
        USER, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    on_behalf_of = models.ForeignKey(
        USER, verbose_name=_("代谁"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    action = models.CharField(_("动作"), max_length=30)
    step = models.CharField(_("步骤"), max_length=200, blank=True)
    from_state = models.CharField(_("原状态"), max_length=30, blank=True)
    to_state = models.CharField(_("新状态"), max_length=30, blank=True)
    comment = models.TextField(_("意见"), blank=True)
    data: models.JSONField[Any, Any] = models.JSONField(_("数据"), default=dict, blank=True)

    class Meta:
        verbose_name = _("流程记录")
        verbose_name_plural = _("流程记录")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"#{self.instance_id} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("instance events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("instance events are append-only")

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))


class MessageWait(models.Model):
    """A catch event of a running instance waiting for a message whose diagram declares a correlation
    key: ``key`` is the value of that name in the instance's data when it began to wait. Kept by
    :func:`yunying.workflow.messages.record_waits` after every engine step; a message sent by name and
    key (``POST /api/workflow/messages``) finds its instance here."""

    instance = models.ForeignKey(
        ProcessInstance, verbose_name=_("流程实例"), on_delete=models.CASCADE, related_name="message_waits"
    )
    name = models.CharField(_("消息"), max_length=200)
    key = models.CharField(_("关联键"), max_length=200)

    class Meta:
        verbose_name = _("等待的消息")
        verbose_name_plural = _("等待的消息")
        indexes = [models.Index(fields=["name", "key"])]
        constraints = [
            models.UniqueConstraint(fields=["instance", "name", "key"], name="workflow_message_wait_unique")
        ]

    def __str__(self) -> str:
        return f"#{self.instance_id} {self.name}={self.key}"


def _attachment_path(instance: Attachment, filename: str) -> str:
    """A random name in the instance's folder: the sender's file name is never used on disk."""
    import os
    import uuid

    ext = os.path.splitext(filename)[1].lower()
    ext = ext if ext[1:].isalnum() and len(ext) <= 10 else ""
    return f"workflow/{instance.instance_id}/{uuid.uuid4().hex}{ext}"


class Attachment(models.Model):
    instance = models.ForeignKey(
        ProcessInstance, verbose_name=_("流程实例"), on_delete=models.CASCADE, related_name="attachments"
    )
    task = models.ForeignKey(
        WorkTask, verbose_name=_("任务"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(_("文件"), upload_to=_attachment_path, max_length=300)
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小"), default=0)
    content_type = models.CharField(max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        USER, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name


class Delegation(models.Model):
    """委托: while active, tasks assigned to ``from_user`` go to ``to_user`` (on ``from_user``'s behalf)."""

    from_user = models.ForeignKey(USER, verbose_name=_("委托人"), on_delete=models.CASCADE, related_name="+")
    to_user = models.ForeignKey(USER, verbose_name=_("受托人"), on_delete=models.CASCADE, related_name="+")
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    definition = models.ForeignKey(
        ProcessDefinition,
        verbose_name=_("仅限流程"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("委托")
        verbose_name_plural = _("委托")
        ordering = ["-starts_on", "pk"]

    def __str__(self) -> str:
        return f"{self.from_user} → {self.to_user}"


class CarbonCopy(models.Model):
    """抄送: the user may read the instance and sees it under "copied to me"."""

    instance = models.ForeignKey(
        ProcessInstance, verbose_name=_("流程实例"), on_delete=models.CASCADE, related_name="copies"
    )
    user = models.ForeignKey(USER, verbose_name=_("抄送人"), on_delete=models.CASCADE, related_name="+")
    step = models.CharField(_("步骤"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("抄送")
        verbose_name_plural = _("抄送")
        ordering = ["-created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["instance", "user"], name="workflow_cc_unique")]


class RuleEvent(models.TextChoices):
    INSTANCE_STARTED = "instance_started", _("流程发起")
    STEP_COMPLETED = "step_completed", _("步骤完成")
    INSTANCE_COMPLETED = "instance_completed", _("流程通过")
    INSTANCE_REJECTED = "instance_rejected", _("流程驳回")


class ProcessRule(models.Model):
    """A rule-triggered action (规则): at ``event``, when ``condition`` holds over the form data (plus
    ``outcome`` and ``step``), run ``action`` (a system action of ``yunying.workflow.system_actions``).

    Save through ``yunying.workflow.rules.process_rule_save`` (checks it, keeps the snapshot)."""

    definition = models.ForeignKey(
        ProcessDefinition, verbose_name=_("流程类型"), on_delete=models.CASCADE, related_name="rules"
    )
    name = models.CharField(_("规则名称"), max_length=100)
    event = models.CharField(_("触发时机"), max_length=30, choices=RuleEvent.choices)
    step = models.CharField(
        _("步骤标识"), max_length=200, blank=True, help_text=_("仅用于“步骤完成”：留空表示任一步骤")
    )
    condition = models.TextField(_("条件"), blank=True, help_text=_("例如 amount > 1000；留空表示总是触发"))
    action = models.CharField(_("动作"), max_length=40)
    params: models.JSONField[Any, Any] = models.JSONField(_("参数"), default=dict, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    order = models.IntegerField(_("顺序"), default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("流程规则")
        verbose_name_plural = _("流程规则")
        ordering = ["definition", "order", "pk"]

    def __str__(self) -> str:
        return self.name


class AuthorityRule(models.Model):
    """One cell of the authority matrix (审批权限表): category × amount tier × store/region → approver.

    The most specific unit wins (store, then region, then the whole chain), then the latest
    ``effective_from``. ``approver`` uses the assignee syntax (``position:GM``, ``region:AREA-MGR`` …)."""

    category = models.CharField(_("业务类别"), max_length=50)
    name = models.CharField(_("档位"), max_length=100)
    unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("适用门店/区域"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    min_amount = models.DecimalField(_("金额下限"), max_digits=14, decimal_places=2, null=True, blank=True)
    min_inclusive = models.BooleanField(_("含下限"), default=True)
    max_amount = models.DecimalField(_("金额上限"), max_digits=14, decimal_places=2, null=True, blank=True)
    max_inclusive = models.BooleanField(_("含上限"), default=False)
    approver = models.CharField(_("审批人"), max_length=200)
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("审批权限")
        verbose_name_plural = _("审批权限")
        ordering = ["category", models.F("min_amount").asc(nulls_first=True), "pk"]  # open lower bound first
        indexes = [models.Index(fields=["category", "effective_from"])]

    def __str__(self) -> str:
        return f"{self.category} {self.name} → {self.approver}"

    def clean(self) -> None:
        """Tiers of one category and unit must not overlap while both are in force, so an amount reaches exactly
        one approver (the admin edits the matrix through this check)."""
        from django.core.exceptions import ValidationError

        low, high = self.min_amount, self.max_amount
        if (low is not None and high is not None) and (
            low > high or (low == high and not (self.min_inclusive and self.max_inclusive))
        ):
            raise ValidationError({"max_amount": _("金额上限须大于下限。")})
        if self.effective_to is not None and self.effective_from and self.effective_to < self.effective_from:
            raise ValidationError({"effective_to": _("失效日期不能早于生效日期。")})
        others = AuthorityRule.objects.filter(category=self.category, unit_id=self.unit_id).exclude(
            pk=self.pk
        )
        if self.effective_from:
            others = others.filter(
                models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=self.effective_from)
            )
        if self.effective_to is not None:
            others = others.filter(effective_from__lte=self.effective_to)
        for other in others:
            if _ranges_overlap(self, other):
                raise ValidationError(
                    _("与档位“%(name)s”的金额范围重叠：同一类别、同一适用范围内，每个金额只能对应一个档位。")
                    % {"name": other.name}
                )


def _ranges_overlap(a: AuthorityRule, b: AuthorityRule) -> bool:
    """Whether some amount lies in both tiers (bounds and their inclusiveness as the matrix reads them)."""
    from decimal import Decimal

    def above(x: AuthorityRule, y: AuthorityRule) -> bool:  # x lies wholly above y
        if y.max_amount is None or x.min_amount is None:
            return False
        low, high = Decimal(x.min_amount), Decimal(y.max_amount)
        return low > high or (low == high and not (x.min_inclusive and y.max_inclusive))

    return not (above(a, b) or above(b, a))


class InboxCard(models.Model):
    """One line of someone's inbox (待办卡片): a narrow, denormalised row the inbox lists with one
    indexed query. Generic: ``kind`` says what the work item is (``approval`` for a workflow task; later
    ``duty``, ``rectification`` …), ``ref`` its id within that kind, ``group_ref`` the record holding it
    (an instance id) so all its cards can be replaced at once. Who sees it: ``assignee``, or — for a
    shared queue — a position (in a unit) or a group. Write through ``yunying.workflow.cards``."""

    kind = models.CharField(_("类型"), max_length=20)
    ref = models.CharField(_("编号"), max_length=64)
    group_ref = models.CharField(_("所属记录"), max_length=64, blank=True)
    assignee = models.ForeignKey(
        USER, verbose_name=_("处理人"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    position = models.ForeignKey(
        "org.Position",
        verbose_name=_("候选岗位"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("候选单位"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    group = models.ForeignKey(
        "auth.Group",
        verbose_name=_("候选组"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    title = models.CharField(_("标题"), max_length=200)
    step = models.CharField(_("步骤"), max_length=200, blank=True)
    topic = models.CharField(_("流程"), max_length=64, blank=True)
    topic_name = models.CharField(_("流程名称"), max_length=100, blank=True)
    badge = models.CharField(max_length=4, blank=True)
    color = models.CharField(max_length=20, blank=True)
    requester = models.CharField(_("发起人"), max_length=150, blank=True)
    on_behalf_of = models.CharField(_("代谁处理"), max_length=150, blank=True)
    summary: models.JSONField[Any, Any] = models.JSONField(_("摘要"), default=list, blank=True)
    extra: models.JSONField[Any, Any] = models.JSONField(default=dict, blank=True)
    search = models.TextField(blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    state = models.CharField(_("状态"), max_length=20, default="open")
    due_at = models.DateTimeField(_("到期时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("到达时间"), default=timezone.now)

    class Meta:
        verbose_name = _("待办卡片")
        verbose_name_plural = _("待办卡片")
        indexes = [
            models.Index(fields=["assignee", "state", "due_at", "created_at"]),
            models.Index(fields=["position", "unit", "state"]),
            models.Index(fields=["group", "state"]),
            models.Index(fields=["kind", "ref"]),
            models.Index(fields=["kind", "group_ref"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.ref} {self.title}"

    @property
    def is_overdue(self) -> bool:
        return self.due_at is not None and self.due_at < timezone.now()


# Moved to the notifications app; imported here so existing callers keep working.
from yunying.notifications.models import Notification  # noqa: E402, F401
