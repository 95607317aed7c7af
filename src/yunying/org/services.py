"""Writes to the organisation. Each function checks the rules, then changes, in one transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yunying.core import clock
from yunying.core.errors import DomainError, NotFound, PermissionDenied
from yunying.core.settings_store import setting_get, setting_get_int
from yunying.org.models import Appointment, Employee, OrgUnit, Position, Store, UnitKind
from yunying.org.scope import scope_for, scope_reset


def require_perm(actor: Any, perm: str, unit: OrgUnit | None = None) -> None:
    """The actor holds `perm` (through a position or the admin) and may see `unit`."""
    if unit is not None and not scope_for(actor).sees_unit(unit.pk):
        raise NotFound(_("找不到该对象。"))
    if not actor.has_perm(perm):
        raise PermissionDenied(_("您没有执行此操作的权限。"))


def management_department() -> OrgUnit:
    code = setting_get("org.management_department_code")
    unit = OrgUnit.objects.filter(code=code, kind=UnitKind.DEPARTMENT).first()
    if unit is None:
        raise DomainError(
            _("未找到管理部（设置项 org.management_department_code = %(code)s）。") % {"code": code}
        )
    return unit


def region_store_count(region: OrgUnit, *, exclude: OrgUnit | None = None) -> int:
    qs = Store.objects.filter(parent=region, closed_on__isnull=True)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.count()


def _check_region_keeps_rules(region: OrgUnit, *, leaving: OrgUnit) -> None:
    """A store leaving `region` must not take it below the minimum, nor below what its assistant needs."""
    remaining = region_store_count(region, exclude=leaving)
    minimum = setting_get_int("org.region_min_stores")
    if remaining < minimum:
        raise DomainError(
            _("区域“%(region)s”只剩 %(n)d 家门店，少于组建区域所需的 %(min)d 家；请先调整区域。")
            % {"region": region.name, "n": remaining, "min": minimum}
        )
    for appointment in Appointment.objects.active().filter(unit=region).select_related("position"):
        key = appointment.position.min_stores_setting
        if key and remaining < setting_get_int(key):
            raise DomainError(
                _("区域“%(region)s”设有%(position)s，门店数不能少于 %(min)d 家。")
                % {"region": region.name, "position": appointment.position.name, "min": setting_get_int(key)}
            )


def check_same_area(store: OrgUnit, region: OrgUnit) -> None:
    """Only stores of the region's area may belong to it."""
    if (store.area or "") != (region.area or ""):
        raise DomainError(
            _("门店“%(store)s”位于“%(store_area)s”，不属于区域“%(region)s”所在的“%(region_area)s”。")
            % {
                "store": store.name,
                "store_area": store.area or _("未填写"),
                "region": region.name,
                "region_area": region.area or _("未填写"),
            },
            field="region",
        )


def check_time_zone(name: str) -> str:
    """A unit's time zone: empty (inherited from the unit above, finally the company's) or an IANA name."""
    name = (name or "").strip()
    if name and clock.zone_named(name) is None:
        raise DomainError(
            _(
                "“%(zone)s”不是有效的时区名称，请填写如 Asia/Shanghai 的 IANA 时区名，或留空沿用上级单位的时区。"
            )
            % {"zone": name},
            field="time_zone",
        )
    return name


def _unique_code(code: str) -> str:
    code = code.strip()
    if not code:
        raise DomainError(_("编码不能为空。"), field="code")
    if OrgUnit.objects.filter(code=code).exists():
        raise DomainError(_("编码“%(code)s”已被使用。") % {"code": code}, field="code")
    return code


@transaction.atomic
def store_create(
    *,
    actor: Any,
    code: str,
    name: str,
    area: str,
    region: OrgUnit | None = None,
    opened_on: date | None = None,
    address: str = "",
    phone: str = "",
    time_zone: str = "",
) -> Store:
    parent = region if region is not None else management_department()
    require_perm(actor, "org.add_store", parent)
    if not name.strip():
        raise DomainError(_("门店名称不能为空。"), field="name")
    store = Store(
        kind=UnitKind.STORE,
        code=_unique_code(code),
        name=name.strip(),
        area=area.strip(),
        parent=parent,
        opened_on=opened_on,
        address=address,
        phone=phone,
        time_zone=check_time_zone(time_zone),
    )
    if region is not None:
        if region.kind != UnitKind.REGION:
            raise DomainError(_("所选上级不是区域。"), field="region")
        check_same_area(store, region)
    store.save()
    return store


@transaction.atomic
def store_update(*, actor: Any, store: Store, **fields: Any) -> Store:
    require_perm(actor, "org.change_store", store)
    allowed = {"name", "area", "address", "phone", "opened_on", "closed_on", "time_zone"}
    unknown = set(fields) - allowed
    if unknown:
        raise DomainError(_("不能修改这些字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    store = Store.objects.select_for_update().get(pk=store.pk)
    for key, value in fields.items():
        setattr(store, key, value.strip() if isinstance(value, str) else value)
    if not store.name:
        raise DomainError(_("门店名称不能为空。"), field="name")
    store.time_zone = check_time_zone(store.time_zone)
    if store.opened_on and store.closed_on and store.closed_on < store.opened_on:
        raise DomainError(_("停业日期不能早于开业日期。"), field="closed_on")
    if store.region is not None:
        check_same_area(store, store.region)
    store.save()
    return store


@transaction.atomic
def store_move(*, actor: Any, store: Store, region: OrgUnit | None) -> Store:
    """Move a store into a region, or out of its region (back under the management department)."""
    store = Store.objects.select_for_update().get(pk=store.pk)
    require_perm(actor, "org.change_store", store)
    target = region if region is not None else management_department()
    require_perm(actor, "org.change_store", target)
    if region is not None and region.kind != UnitKind.REGION:
        raise DomainError(_("所选上级不是区域。"), field="region")
    if store.parent_id == target.pk:
        return store
    if region is not None:
        check_same_area(store, region)
    current = store.region
    if current is not None:
        _check_region_keeps_rules(current, leaving=store)
    store.parent = target
    store.save(update_fields=["parent", "updated_at"])
    scope_reset(actor)
    return store


@transaction.atomic
def region_create(
    *, actor: Any, code: str, name: str, area: str, stores: list[Store], parent: OrgUnit | None = None
) -> OrgUnit:
    """Form a region from stores of one area; it needs at least `org.region_min_stores` of them."""
    parent = parent or management_department()
    require_perm(actor, "org.add_orgunit", parent)
    minimum = setting_get_int("org.region_min_stores")
    distinct = {s.pk: s for s in stores}
    if len(distinct) < minimum:
        raise DomainError(
            _("组建区域至少需要同一地区的 %(min)d 家门店，当前只选了 %(n)d 家。")
            % {"min": minimum, "n": len(distinct)},
            field="stores",
        )
    if not name.strip():
        raise DomainError(_("区域名称不能为空。"), field="name")
    region = OrgUnit(kind=UnitKind.REGION, code=_unique_code(code), name=name.strip(), area=area.strip())
    region.parent = parent
    for store in distinct.values():
        check_same_area(store, region)
        if store.region is not None:
            _check_region_keeps_rules(store.region, leaving=store)
    region.save()
    Store.objects.filter(pk__in=distinct).update(parent=region)
    scope_reset(actor)
    return region


@transaction.atomic
def region_dissolve(*, actor: Any, region: OrgUnit) -> None:
    """Return a region's stores to the management department; the region must have no active staff."""
    require_perm(actor, "org.delete_orgunit", region)
    if Appointment.objects.active().filter(unit=region).exists():
        raise DomainError(_("请先结束该区域所有人员的任职。"))
    Store.objects.filter(parent=region).update(parent=management_department())
    Appointment.objects.filter(unit=region).delete()
    region.delete()


@transaction.atomic
def employee_create(
    *,
    actor: Any,
    employee_no: str,
    name: str,
    phone: str = "",
    hired_on: date | None = None,
    is_external_hire: bool = False,
) -> Employee:
    require_perm(actor, "org.add_employee")
    employee_no = employee_no.strip()
    if not employee_no or not name.strip():
        raise DomainError(_("工号和姓名不能为空。"))
    if Employee.objects.filter(employee_no=employee_no).exists():
        raise DomainError(_("工号“%(no)s”已存在。") % {"no": employee_no}, field="employee_no")
    return Employee.objects.create(
        employee_no=employee_no,
        name=name.strip(),
        phone=phone.strip(),
        hired_on=hired_on,
        is_external_hire=is_external_hire,
    )


def appointment_validate(*, employee: Employee, position: Position, unit: OrgUnit, on: date) -> None:
    if not employee.is_active:
        raise DomainError(_("%(name)s 已离职，不能任命。") % {"name": employee.name})
    if position.unit_kind != unit.kind:
        raise DomainError(
            _("岗位“%(position)s”只能设在%(kind)s，不能设在“%(unit)s”。")
            % {"position": position.name, "kind": position.get_unit_kind_display(), "unit": unit.name},
            field="position",
        )
    active = Appointment.objects.active(on).filter(unit=unit, position=position)
    if active.filter(employee=employee).exists():
        raise DomainError(_("%(name)s 已在该岗位任职。") % {"name": employee.name})
    if position.max_per_unit is not None and active.count() >= position.max_per_unit:
        raise DomainError(
            _("“%(unit)s”的%(position)s最多 %(max)d 人，已满员。")
            % {"unit": unit.name, "position": position.name, "max": position.max_per_unit},
            field="position",
        )
    if position.min_stores_setting:
        minimum = setting_get_int(position.min_stores_setting)
        count = region_store_count(unit)
        if count < minimum:
            raise DomainError(
                _("只有门店数不少于 %(min)d 家的区域才能设%(position)s；“%(unit)s”现有 %(n)d 家。")
                % {"min": minimum, "position": position.name, "unit": unit.name, "n": count},
                field="position",
            )


@transaction.atomic
def appointment_create(
    *, actor: Any, employee: Employee, position: Position, unit: OrgUnit, started_on: date | None = None
) -> Appointment:
    require_perm(actor, "org.add_appointment", unit)
    started_on = started_on or clock.today()
    # Serialise appointments to one unit so two concurrent ones cannot both pass the head-count rule.
    OrgUnit.objects.select_for_update().filter(pk=unit.pk).first()
    appointment_validate(employee=employee, position=position, unit=unit, on=started_on)
    return Appointment.objects.create(employee=employee, position=position, unit=unit, started_on=started_on)


@transaction.atomic
def appointment_end(
    *, actor: Any, appointment: Appointment, ended_on: date | None = None, reason: str = ""
) -> Appointment:
    require_perm(actor, "org.change_appointment", appointment.unit)
    ended_on = ended_on or clock.today()
    if appointment.ended_on is not None:
        raise DomainError(_("该任职已经结束。"))
    if ended_on < appointment.started_on:
        raise DomainError(_("离任日期不能早于任职日期。"), field="ended_on")
    appointment.ended_on = ended_on
    appointment.end_reason = reason
    appointment.save(update_fields=["ended_on", "end_reason", "updated_at"])
    return appointment
