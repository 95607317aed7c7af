from __future__ import annotations

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
