"""Sales facts from the stores' POS, their pre-aggregated totals, imports, products and store targets.

Facts (SalesDay, SalesProductDay) are written only by `analytics.writer`; the aggregates (SalesStoreDay,
SalesStoreMonth, SalesStoreWeek, SalesStoreProductMonth, SalesStoreProductTotal, SalesDayTotal) are recomputed from the facts for every store-period an
import touches, and the reports read only the aggregates.

Facts and aggregates carry no database foreign-key constraints (`db_constraint=False`): the importer resolves
every store and product code against the database before a row is staged, the ORM still refuses to delete a
store or product with sales (PROTECT), and per-row constraint triggers made PostgreSQL imports several times
slower than the load itself.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from yunying.core.models import TimeStampedModel
from yunying.org.models import OrgUnit, UnitKind

STORE_ONLY = {"kind": UnitKind.STORE}


def _money(verbose_name: Any = None, **kwargs: Any) -> models.DecimalField[Any, Any]:
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)


class Channel(models.TextChoices):
    DINE_IN = "dine_in", _("堂食")
    TAKEAWAY = "takeaway", _("外带")
    DELIVERY = "delivery", _("外卖")


class ProductCategory(models.Model):
    code = models.CharField(_("编码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    sort_order = models.IntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("商品类别")
        verbose_name_plural = _("商品类别")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Product(TimeStampedModel):
    code = models.CharField(_("商品编码"), max_length=40, unique=True)
    name = models.CharField(_("商品名称"), max_length=100)
    category = models.ForeignKey(
        ProductCategory,
        verbose_name=_("类别"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="products",
    )
    launched_on = models.DateField(_("上市日期"), null=True, blank=True)
    retired_on = models.DateField(_("下市日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("商品")
        verbose_name_plural = _("商品")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class SalesOrigin(models.TextChoices):
    """Where a store-day total comes from."""

    IMPORTED = "imported", _("门店日销售")
    LINES = "lines", _("订单明细汇总")
    PRODUCTS = "products", _("商品明细汇总")  # no store total imported: the day's products summed


class SalesDay(models.Model):
    """One store, one day, one channel: what the POS closed the day with — or, for a store-day with product
    lines and no store total, the products summed (`origin` = products, replaced by a store total imported
    later)."""

    store = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        limit_choices_to=STORE_ONLY,
        related_name="+",
        db_constraint=False,
        db_index=False,  # the unique (store, date, channel) index serves lookups by store
    )
    date = models.DateField(_("营业日期"))
    month = models.DateField(_("月份"), help_text=_("当月第一天，导入时写入"))
    week = models.DateField(_("周"), help_text=_("当周第一天（默认星期一），导入时写入"))
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices, default=Channel.DINE_IN)
    net_sales = _money(_("净销售额"))
    tickets = models.IntegerField(_("单数"), default=0)
    customers = models.IntegerField(_("客数"), default=0)
    discounts = _money(_("折扣额"), default=0)
    origin = models.CharField(
        _("来源"), max_length=10, choices=SalesOrigin.choices, default=SalesOrigin.IMPORTED
    )

    class Meta:
        verbose_name = _("门店日销售")
        verbose_name_plural = _("门店日销售")
        constraints = [models.UniqueConstraint(fields=["store", "date", "channel"], name="salesday_unique")]
        indexes = [models.Index(fields=["date", "store"], name="salesday_date_store")]


class SalesProductDay(models.Model):
    """One store, one day, one product. A negative quantity is a return."""

    store = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        limit_choices_to=STORE_ONLY,
        related_name="+",
        db_constraint=False,
        db_index=False,  # the unique (store, date, product) index serves lookups by store
    )
    date = models.DateField(_("营业日期"))
    month = models.DateField(_("月份"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    qty = models.DecimalField(_("数量"), max_digits=12, decimal_places=3)
    amount = _money(_("金额"))

    class Meta:
        verbose_name = _("商品日销售")
        verbose_name_plural = _("商品日销售")
        constraints = [
            models.UniqueConstraint(fields=["store", "date", "product"], name="salesproductday_unique")
        ]


class SalesWeek(models.Model):
    """One store, one week, as a weekly source reports it (no days inside): kept at its weekly grain. The month
    figures take each week apportioned by its days in the month (a week spanning two months is split 3/7–4/7);
    a week for which the store also has daily rows is not counted (the days are). A store-week with weekly
    product rows and no weekly total imported gets the products summed (`origin` = products)."""

    store = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        limit_choices_to=STORE_ONLY,
        related_name="+",
        db_constraint=False,
        db_index=False,  # the unique (store, date) index serves lookups by store
    )
    date = models.DateField(_("周的第一天"))
    net_sales = _money(_("净销售额"))
    tickets = models.IntegerField(_("单数"), default=0)
    customers = models.IntegerField(_("客数"), default=0)
    origin = models.CharField(
        _("来源"), max_length=10, choices=SalesOrigin.choices, default=SalesOrigin.IMPORTED
    )

    class Meta:
        verbose_name = _("门店周销售")
        verbose_name_plural = _("门店周销售")
        constraints = [models.UniqueConstraint(fields=["store", "date"], name="salesweek_unique")]
        indexes = [models.Index(fields=["date", "store"], name="salesweek_date_store")]


class SalesProductWeek(models.Model):
    """One store, one week, one product, as a weekly source reports it: kept at its weekly grain. The month
    figures take each week apportioned by its days in the month; a week for which the store also has product
    days is not counted (the days are). A store-week without a store total imported gets its products summed
    as its total (`SalesWeek.origin` = products)."""

    store = models.ForeignKey(
        OrgUnit,
        on_delete=models.PROTECT,
        limit_choices_to=STORE_ONLY,
        related_name="+",
        db_constraint=False,
        db_index=False,  # the unique (store, date, product) index serves lookups by store
    )
    date = models.DateField(_("周的第一天"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    qty = models.DecimalField(_("数量"), max_digits=12, decimal_places=3)
    amount = _money(_("金额"))

    class Meta:
        verbose_name = _("商品周销售")
        verbose_name_plural = _("商品周销售")
        constraints = [
            models.UniqueConstraint(fields=["store", "date", "product"], name="salesproductweek_unique")
        ]


# ---- pre-aggregated tables: maintained on import, the only tables the reports read -----------------------


def _store_fk() -> models.ForeignKey[Any, Any]:
    return models.ForeignKey(
        OrgUnit, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )


class SalesStoreDay(models.Model):
    """One store, one day, all channels: the daily trend and weekday charts, the target suggestion."""

    store = _store_fk()
    date = models.DateField()
    net_sales = _money()
    tickets = models.IntegerField()
    customers = models.IntegerField()
    discounts = _money()
    sales_dine_in = _money()
    sales_takeaway = _money()
    sales_delivery = _money()
    derived_days = models.IntegerField(default=0, help_text="1: the total is the day's products summed")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "date"], name="salesstoreday_unique")]
        indexes = [models.Index(fields=["date"], name="salesstoreday_date")]


class SalesDayTotal(models.Model):
    """One day, all stores: the store-days summed, rebuilt with them (the monthly page's daily trend of the whole
    company reads a row a day, not one per store and day)."""

    date = models.DateField(unique=True)
    net_sales = _money()


class SalesStoreMonth(models.Model):
    store = _store_fk()
    month = models.DateField()
    net_sales = _money()
    tickets = models.IntegerField()
    customers = models.IntegerField()
    discounts = _money()
    sales_dine_in = _money()
    sales_takeaway = _money()
    sales_delivery = _money()
    days = models.IntegerField(help_text="days with sales")
    weekly_days = models.IntegerField(default=0, help_text="days of the month taken from weekly data")
    derived_days = models.IntegerField(default=0, help_text="days whose total is the products summed")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "store"], name="salesstoremonth_unique")]


class SalesStoreWeek(models.Model):
    store = _store_fk()
    week = models.DateField(
        help_text="the week's first day (Monday unless YUNYING_WEEK_START says otherwise)"
    )
    net_sales = _money()
    tickets = models.IntegerField()
    customers = models.IntegerField()
    days = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["week", "store"], name="salesstoreweek_unique")]


class SalesStoreProductMonth(models.Model):
    store = _store_fk()
    month = models.DateField()
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    qty = models.DecimalField(max_digits=14, decimal_places=3)
    amount = _money()
    weekly_days = models.IntegerField(default=0, help_text="days of the month taken from weekly product data")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "store", "product"], name="salesstoreproductmonth_unique"
            )
        ]


class SalesStoreProductTotal(models.Model):
    """One store, one month: its product lines summed (SalesStoreProductMonth over the products), rebuilt with
    them. The monthly page compares it with the store's own total (a few hundred rows to read, not the month's
    tens of thousands of product rows)."""

    store = _store_fk()
    month = models.DateField()
    amount = _money()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "store"], name="salesstoreproducttotal_unique")
        ]


# ---- imports ---------------------------------------------------------------------------------------------


class ImportSource(TimeStampedModel):
    """A POS export format: its Chinese headers mapped once to the canonical columns, reused after."""

    name = models.CharField(_("数据来源"), max_length=80, unique=True)
    mappings = models.JSONField(
        _("列映射"),
        default=dict,
        blank=True,
        help_text=_('按行类型保存：{"product": {"store_code": "门店编号", …}, "store": {…}}'),
    )
    encoding = models.CharField(
        _("编码提示"), max_length=20, blank=True, help_text=_("留空自动识别；可填 utf-8 或 gb18030")
    )
    options = models.JSONField(
        _("读取选项"),
        default=dict,
        blank=True,
        help_text=_('{"header_row": 表头所在行（0 为自动识别）, "date_format": 日期格式，如 "%m/%d/%Y"}'),
    )

    class Meta:
        verbose_name = _("导入来源")
        verbose_name_plural = _("导入来源")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("待确认")
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("导入中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class SalesImport(TimeStampedModel):
    file_name = models.CharField(_("文件名"), max_length=255)
    stored_path = models.CharField(max_length=500, blank=True)
    size = models.BigIntegerField(_("大小"), default=0)
    source = models.ForeignKey(
        ImportSource, verbose_name=_("数据来源"), null=True, blank=True, on_delete=models.SET_NULL
    )
    mapping = models.JSONField(_("本次列映射"), default=dict, blank=True)
    options = models.JSONField(_("本次读取选项"), default=dict, blank=True)
    kind = models.CharField(_("行类型"), max_length=10, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    rows = models.IntegerField(_("行数"), default=0)
    written = models.IntegerField(_("写入"), default=0)
    replaced = models.IntegerField(_("替换"), default=0)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    error_count = models.IntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("销售导入")
        verbose_name_plural = _("销售导入")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.file_name

    @property
    def finished(self) -> bool:
        return self.status in {ImportStatus.DONE, ImportStatus.FAILED}


# ---- targets ---------------------------------------------------------------------------------------------


class StoreTarget(TimeStampedModel):
    store = models.ForeignKey(
        OrgUnit,
        verbose_name=_("门店"),
        on_delete=models.CASCADE,
        limit_choices_to=STORE_ONLY,
        related_name="+",
    )
    month = models.DateField(_("月份"))
    amount = _money(_("业绩指标"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("设置人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("门店业绩指标")
        verbose_name_plural = _("门店业绩指标")
        constraints = [models.UniqueConstraint(fields=["store", "month"], name="storetarget_unique")]


class ForecastBacktest(models.Model):
    """The latest back-test of the target suggestion against the seasonal-naive baseline."""

    created_at = models.DateTimeField(auto_now_add=True)
    months = models.JSONField(default=list)
    stores = models.IntegerField(default=0)
    forecasts = models.IntegerField(default=0)
    mape_method = models.FloatField(null=True)
    mape_baseline = models.FloatField(null=True)
    details = models.JSONField(default=list)

    class Meta:
        ordering = ["-created_at"]


class ReportsVersion(models.Model):
    """A number that changes whenever the figures the reports show change (aggregates rebuilt, targets set):
    rendered report pages are cached under it, so a page is computed once per import, not once per view."""

    number = models.BigIntegerField(default=0)
