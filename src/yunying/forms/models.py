"""A form is data: a definition (key, names, category) with numbered versions holding the field list.

A published version is frozen; editing a published form creates a new draft version. Running processes
keep pointing at the version they started with."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from yunying.core.models import TimeStampedModel

DESIGN_PERMISSION = "yyforms.design_form"


class FormDefinition(TimeStampedModel):
    key = models.CharField(_("标识"), max_length=60, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=150, blank=True)
    category = models.CharField(_("分类"), max_length=50, blank=True)
    description = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("表单")
        verbose_name_plural = _("表单")
        ordering = ["category", "key"]
        permissions = [("design_form", _("可以设计表单"))]

    def __str__(self) -> str:
        return f"{self.name}（{self.key}）"

    @property
    def display_name(self) -> str:
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class FormVersion(models.Model):
    definition = models.ForeignKey(
        FormDefinition, verbose_name=_("表单"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("版本号"))
    fields: models.JSONField[Any, Any] = models.JSONField(_("字段"), default=list)
    is_published = models.BooleanField(_("已发布"), default=False)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("表单版本")
        verbose_name_plural = _("表单版本")
        ordering = ["definition", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["definition", "number"], name="yyforms_version_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.definition.key} v{self.number}"

    @property
    def is_draft(self) -> bool:
        return not self.is_published


class StoredFile(models.Model):
    """A form attachment or photo written to storage, with who sent it: their total is held to a quota
    (`YUNYING_UPLOAD_USER_QUOTA_MB`)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.CASCADE, related_name="+"
    )
    path = models.CharField(_("路径"), max_length=300)
    size = models.PositiveBigIntegerField(_("大小"), default=0)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("表单附件")
        verbose_name_plural = _("表单附件")
        indexes = [models.Index(fields=["owner"], name="yyforms_storedfile_owner")]

    def __str__(self) -> str:
        return self.path
