"""The fixed-asset register (固定资产档案): one card per asset and the history of every change."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _

from yunying.core.models import TimeStampedModel
from yunying.org.models import OrgUnit


class AssetCategory(models.TextChoices):
    KITCHEN = "kitchen", _("厨房设备")
    COLD = "cold", _("制冷设备")
    FURNITURE = "furniture", _("家具")
    APPLIANCE = "appliance", _("电器")
    IT = "it", _("IT 设备")
    OTHER = "other", _("其他")


class AssetState(models.TextChoices):
    IN_USE = "in_use", _("在用")
    REPAIRING = "repairing", _("维修中")
    TRANSFERRED = "transferred", _("已调出")
    WRITTEN_OFF = "written_off", _("已报损")


class Asset(TimeStampedModel):
    code = models.CharField(_("资产编码"), max_length=40, unique=True)
    name = models.CharField(_("资产名称"), max_length=100)
    category = models.CharField(_("类别"), max_length=20, choices=AssetCategory.choices)
    store = models.ForeignKey(
        OrgUnit, verbose_name=_("所在单位"), on_delete=models.PROTECT, related_name="assets"
    )
    location = models.CharField(_("存放位置"), max_length=100, blank=True)
    purchased_on = models.DateField(_("购置日期"), null=True, blank=True)
    cost = models.DecimalField(_("购置金额"), max_digits=12, decimal_places=2, default=0)
    state = models.CharField(_("状态"), max_length=20, choices=AssetState.choices, default=AssetState.IN_USE)
    note = models.CharField(_("备注"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("固定资产")
        verbose_name_plural = _("固定资产")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class AssetEventKind(models.TextChoices):
    CREATED = "created", _("建档")
    UPDATED = "updated", _("修改")
    MOVED = "moved", _("异动")
    STATE = "state", _("状态变更")
    WRITTEN_OFF = "written_off", _("报损")


class AssetEvent(models.Model):
    """One change of an asset's card: who, when, what it was before and after."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("类型"), max_length=20, choices=AssetEventKind.choices)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    from_store = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("原单位")
    )
    to_store = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("新单位")
    )
    from_state = models.CharField(_("原状态"), max_length=20, blank=True)
    to_state = models.CharField(_("新状态"), max_length=20, blank=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    reference = models.CharField(_("关联单据"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("资产变更记录")
        verbose_name_plural = _("资产变更记录")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.asset_id} {self.kind} {self.at:%Y-%m-%d}"

    @property
    def from_state_label(self) -> str:
        return str(dict(AssetState.choices).get(self.from_state, self.from_state))

    @property
    def to_state_label(self) -> str:
        return str(dict(AssetState.choices).get(self.to_state, self.to_state))

    @property
    def change_rows(self) -> list[tuple[str, str, str]]:
        """(field label, before, after) for each changed field, in the reader's language."""
        rows = []
        order = {f.name: i for i, f in enumerate(Asset._meta.fields)}  # JSONB does not keep key order
        for key, pair in sorted((self.changes or {}).items(), key=lambda kv: order.get(kv[0], 99)):
            try:
                label = str(getattr(Asset._meta.get_field(key), "verbose_name", key))
            except FieldDoesNotExist:
                label = key
            before, after = [*list(pair), "", ""][:2]
            rows.append((label, str(before), str(after)))
        return rows
