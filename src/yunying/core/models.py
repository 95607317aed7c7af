from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class Setting(models.Model):
    """A policy number or switch editable by an administrator (rules are data)."""

    key = models.CharField(_("键"), max_length=100, unique=True)
    value = models.JSONField(_("值"))
    description = models.CharField(_("说明"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("系统设置")
        verbose_name_plural = _("系统设置")
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.key} = {self.value}"


class TaskProbe(models.Model):
    """A row written by the background worker's self-check task (see core.tasks.worker_probe)."""

    token = models.CharField(max_length=64, unique=True)
    worker_pid = models.IntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("后台任务自检")
        verbose_name_plural = _("后台任务自检")


class WorkingDays(models.TextChoices):
    STATUTORY = "statutory", _("按国家法定工作日（含调休）")
    EVERY_DAY = "every_day", _("每天营业")


class WorkingHours(models.Model):
    """Working hours of an org unit (office hours of the operations center, opening hours of a store),
    with an optional lunch break. A unit without a row inherits its nearest ancestor's; the row without a
    unit is the company's default. Read through ``yunying.core.calendar``."""

    unit = models.OneToOneField(
        "org.OrgUnit",
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="working_hours",
        help_text=_("留空表示全公司默认；下级单位未设置时沿用上级的"),
    )
    days = models.CharField(
        _("工作日"), max_length=20, choices=WorkingDays.choices, default=WorkingDays.STATUTORY
    )
    opens_at = models.TimeField(_("上班/开门时间"))
    closes_at = models.TimeField(_("下班/打烊时间"))
    break_starts_at = models.TimeField(_("午休开始"), null=True, blank=True)
    break_ends_at = models.TimeField(_("午休结束"), null=True, blank=True)
    weekly: models.JSONField[Any, Any] = models.JSONField(
        _("按星期的工作时间"),
        default=dict,
        blank=True,
        help_text=_(
            "与上面不同的星期几：键 0（星期一）到 6（星期日），值为时间或 null（当天休息）。例如 "
            '{"4": {"opens": "10:00", "closes": "02:00"}, "0": null}：周五营业到次日 2 点，周一休息。'
            "下班时间早于上班时间表示次日下班。"
        ),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("工作时间")
        verbose_name_plural = _("工作时间")
        ordering = ["unit__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit"], condition=models.Q(unit__isnull=True), name="core_hours_one_default"
            ),
            # closes_at before opens_at: the hours run past midnight (e.g. 10:00–02:00)
            models.CheckConstraint(
                condition=~models.Q(opens_at=models.F("closes_at")), name="core_hours_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit or _('全公司')} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from yunying.core.calendar import hours_of, weekly_of
        from yunying.core.errors import DomainError

        try:
            weekly_of(self, hours_of(self))
        except DomainError as exc:
            raise ValidationError({exc.field if exc.field in ("weekly", "closes_at") else "weekly": str(exc)})


class CalendarOverride(models.Model):
    """An administrator's exception to the calendar for one day: a company day off, a store closed for
    renovation, an extra working day. Without a unit it holds for the whole company; a unit's own row
    (or its nearest ancestor's) wins over the company's."""

    date = models.DateField(_("日期"))
    unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendar_overrides",
        help_text=_("留空表示全公司；选单位则对该单位及其下级生效"),
    )
    working = models.BooleanField(_("上班/营业"), default=False)
    note = models.CharField(_("原因"), max_length=100)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("日历例外")
        verbose_name_plural = _("日历例外")
        ordering = ["date", "unit__code"]
        constraints = [
            models.UniqueConstraint(fields=["date", "unit"], name="core_override_unique_unit"),
            models.UniqueConstraint(
                fields=["date"], condition=models.Q(unit__isnull=True), name="core_override_unique_company"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.unit or _('全公司')} {self.note}"


class CalendarYear(models.Model):
    """A year the holiday library does not know yet, entered by an administrator: its public holidays and
    make-up working days are then exactly the company-wide overrides of that year (other days follow the
    week). Without this row such a year is reported as unknown, never guessed."""

    year = models.PositiveIntegerField(_("年份"), unique=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("人工维护的年份")
        verbose_name_plural = _("人工维护的年份")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)
