"""Purchase orders (采购单): what an approved 物料申购 hands to 采购部."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderStatus(models.TextChoices):
    OPEN = "open", _("待采购")
    ORDERED = "ordered", _("已下单")


class PurchaseOrder(models.Model):
    """One approved purchase request's order: its items and total as approved, the store it is for, the
    person who gave the final approval. Created by the process's 生成采购单 step, once per request."""

    number = models.CharField(_("采购单号"), max_length=20, unique=True)
    instance = models.OneToOneField(
        "workflow.ProcessInstance",
        verbose_name=_("申购单"),
        on_delete=models.PROTECT,
        related_name="purchase_order",
    )
    store = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("门店"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    items = models.JSONField(_("物料明细"), default=list)
    total = models.DecimalField(_("合计金额（元）"), max_digits=12, decimal_places=2)
    status = models.CharField(_("状态"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.OPEN)
    created_at = models.DateTimeField(_("生成时间"))

    class Meta:
        verbose_name = _("采购单")
        verbose_name_plural = _("采购单")
        ordering = ["-created_at", "-pk"]
        permissions = [("handle_purchaseorder", _("处理采购单（采购部）"))]

    def __str__(self) -> str:
        return self.number
