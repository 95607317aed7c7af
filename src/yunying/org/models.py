"""The organisation: a tree of units (company → center → departments → regions → stores),
positions with their direct superior, people, and their appointments (history kept)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from yunying.core import clock
from yunying.core.models import TimeStampedModel


class UnitKind(models.TextChoices):
    COMPANY = "company", _("公司")
    CENTER = "center", _("运营中心")
    DEPARTMENT = "department", _("部门")
    REGION = "region", _("区域")
    STORE = "store", _("分店")


def validate_time_zone(value: str) -> None:
    """A unit's time zone is empty (inherited) or a real IANA zone name."""
    if value and clock.zone_named(value) is None:
        raise ValidationError(
            _(
                "“%(zone)s”不是有效的时区名称，请填写如 Asia/Shanghai 的 IANA 时区名，或留空沿用上级单位的时区。"
            ),
            params={"zone": value},
        )


class OrgUnit(TimeStampedModel):
    kind = models.CharField(_("类型"), max_length=20, choices=UnitKind.choices)
    code = models.CharField(_("编码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    area = models.CharField(
        _("所在地区"), max_length=50, blank=True, help_text=_("区域和门店：同一地区的门店才能组成区域")
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    opened_on = models.DateField(_("开业日期"), null=True, blank=True)
    closed_on = models.DateField(_("停业日期"), null=True, blank=True)
    time_zone = models.CharField(
        _("时区"),
        max_length=50,
        blank=True,
        default="",
        validators=[validate_time_zone],
        help_text=_("IANA 时区名，如 Asia/Urumqi；留空则沿用上级单位的时区，最终为公司时区"),
    )
    sort_order = models.IntegerField(_("排序"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("组织单位")
        verbose_name_plural = _("组织单位")
        ordering = ["sort_order", "code"]
        indexes = [models.Index(fields=["kind", "parent"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def is_store(self) -> bool:
        return self.kind == UnitKind.STORE

    @property
    def region(self) -> OrgUnit | None:
        """For a store: the region it belongs to, or None when the management department runs it."""
        parent = self.parent
        return parent if parent is not None and parent.kind == UnitKind.REGION else None

    @property
    def zone(self) -> ZoneInfo:
        """The unit's own time zone: its ``time_zone``, else the nearest ancestor's, else the company's."""
        unit: OrgUnit | None = self
        seen: set[int | None] = set()
        while unit is not None and unit.pk not in seen:
            seen.add(unit.pk)
            found = clock.zone_named(unit.time_zone) if unit.time_zone else None
            if found is not None:
                return found
            unit = unit.parent
        return clock.company_zone()

    @property
    def today(self) -> date:
        """The calendar day at the unit (a store in another time zone has its own)."""
        return clock.today(self.zone)

    @property
    def is_open(self) -> bool:
        return self.closed_on is None or self.closed_on > self.today


class StoreManager(models.Manager["Store"]):
    def get_queryset(self) -> models.QuerySet[Store]:
        return super().get_queryset().filter(kind=UnitKind.STORE)


class Store(OrgUnit):
    """A store is an org unit of kind `store`; its parent is a region or the management department."""

    objects = StoreManager()  # type: ignore[misc]

    class Meta:
        proxy = True
        verbose_name = _("门店")
        verbose_name_plural = _("门店")
        ordering = ["code"]


class Position(TimeStampedModel):
    code = models.CharField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    name_en = models.CharField(_("英文名称"), max_length=80, blank=True)
    unit_kind = models.CharField(_("所在单位类型"), max_length=20, choices=UnitKind.choices)
    superior = models.ForeignKey(
        "self",
        verbose_name=_("直接上级"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="subordinates",
    )
    is_head = models.BooleanField(_("单位负责人"), default=False)
    sees_everything = models.BooleanField(
        _("可见全部组织"),
        default=False,
        help_text=_("任职者可查看整个组织（如总经理、管理部），否则只看本单位及下级"),
    )
    is_store_standard = models.BooleanField(_("门店标准岗位"), default=False)
    max_per_unit = models.PositiveIntegerField(_("每单位人数上限"), null=True, blank=True)
    min_stores_setting = models.CharField(
        _("最少门店数设置项"),
        max_length=100,
        blank=True,
        help_text=_("设置项的键；所在区域的门店数不少于该值时才可任命此岗位"),
    )
    duties = models.TextField(_("岗位职责"), blank=True)
    sort_order = models.IntegerField(_("排序"), default=0)
    permissions = models.ManyToManyField(Permission, verbose_name=_("权限"), blank=True)
    history = HistoricalRecords(m2m_fields=[permissions])

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        from django.utils.translation import get_language

        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class EmploymentStatus(models.TextChoices):
    PROBATION = "probation", _("试用期")
    REGULAR = "regular", _("正式")
    NOT_PASSED = "not_passed", _("试用期未通过")


class Employee(TimeStampedModel):
    employee_no = models.CharField(_("工号"), max_length=30, unique=True)
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("手机"), max_length=30, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="employee",
    )
    hired_on = models.DateField(_("入职日期"), null=True, blank=True)
    is_external_hire = models.BooleanField(_("外聘干部"), default=False)
    is_active = models.BooleanField(_("在职"), default=True)
    employment_status = models.CharField(
        _("用工状态"), max_length=20, choices=EmploymentStatus.choices, default=EmploymentStatus.REGULAR
    )
    probation_ends_on = models.DateField(_("试用期满日期"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("员工")
        verbose_name_plural = _("员工")
        ordering = ["employee_no"]

    def __str__(self) -> str:
        return f"{self.name}（{self.employee_no}）"


class AppointmentQuerySet(models.QuerySet["Appointment"]):
    def active(self, on: date | None = None) -> AppointmentQuerySet:
        on = on or clock.today()
        return self.filter(started_on__lte=on).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))


class Appointment(TimeStampedModel):
    employee = models.ForeignKey(
        Employee, verbose_name=_("员工"), on_delete=models.PROTECT, related_name="appointments"
    )
    position = models.ForeignKey(
        Position, verbose_name=_("岗位"), on_delete=models.PROTECT, related_name="appointments"
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="appointments"
    )
    started_on = models.DateField(_("任职日期"))
    ended_on = models.DateField(_("离任日期"), null=True, blank=True)
    end_reason = models.CharField(_("离任原因"), max_length=200, blank=True)
    history = HistoricalRecords()

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("任职")
        verbose_name_plural = _("任职")
        ordering = ["unit__sort_order", "position__sort_order", "started_on"]
        indexes = [models.Index(fields=["unit", "ended_on"]), models.Index(fields=["employee", "ended_on"])]

    def __str__(self) -> str:
        return f"{self.employee.name} · {self.position.name} @ {self.unit.name}"

    @property
    def is_active(self) -> bool:
        today = clock.today()
        return self.started_on <= today and (self.ended_on is None or self.ended_on > today)
