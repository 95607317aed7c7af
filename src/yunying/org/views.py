"""Org pages: thin adapters over org.selectors (reads) and org.services (writes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from yunying.core.errors import DomainError
from yunying.org import exports, imports, selectors, services
from yunying.org.forms import (
    AppointmentForm,
    EmployeeForm,
    EndAppointmentForm,
    ImportForm,
    MoveStoreForm,
    RegionForm,
    StoreEditForm,
    StoreForm,
)
from yunying.org.models import OrgUnit


def _attempt(request: HttpRequest, action: Callable[[], Any], success: str) -> bool:
    """Run a service call; show its domain error (in the user's language) instead of failing."""
    try:
        action()
    except DomainError as exc:
        messages.error(request, str(exc))
        return False
    messages.success(request, success)
    return True


def _region_or_none(user: Any, code: str | None) -> OrgUnit | None:
    return selectors.unit_get(user=user, code=code) if code else None


@login_required
def chart(request: HttpRequest) -> HttpResponse:
    roots = selectors.org_chart(user=request.user)
    return render(request, "org/chart.html", {"roots": roots, "nav_active": "chart"})


@login_required
def stores(request: HttpRequest) -> HttpResponse:
    form = StoreForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok = _attempt(
            request,
            lambda: services.store_create(
                actor=request.user,
                code=data["code"],
                name=data["name"],
                area=data["area"],
                region=_region_or_none(request.user, data["region"]),
                opened_on=data["opened_on"],
                address=data["address"],
                phone=data["phone"],
                time_zone=data["time_zone"],
            ),
            _("门店已添加。"),
        )
        if ok:
            return redirect("org:store", code=data["code"].strip())
    store_list = selectors.store_list(
        user=request.user, region=request.GET.get("region"), q=request.GET.get("q")
    )
    context = {
        "stores": store_list,
        "form": form,
        "regions": selectors.region_list(user=request.user),
        "can_add": request.user.has_perm("org.add_store"),
        "nav_active": "stores",
        "q": request.GET.get("q", ""),
        "region_filter": request.GET.get("region", ""),
    }
    return render(request, "org/stores.html", context)


@login_required
def store(request: HttpRequest, code: str) -> HttpResponse:
    the_store = selectors.store_get(user=request.user, code=code)
    move_form = MoveStoreForm(
        initial={"region": the_store.region.code if the_store.region else ""}, user=request.user
    )
    appoint_form = AppointmentForm(user=request.user, unit=the_store)
    edit_form = StoreEditForm(
        initial={
            f: getattr(the_store, f)
            for f in ("name", "area", "opened_on", "closed_on", "address", "phone", "time_zone")
        }
    )
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "edit":
            edit_form = StoreEditForm(request.POST)
            if edit_form.is_valid() and _attempt(
                request,
                lambda: services.store_update(actor=request.user, store=the_store, **edit_form.cleaned_data),
                _("门店信息已保存。"),
            ):
                return redirect("org:store", code=code)
        elif action == "move":
            move_form = MoveStoreForm(request.POST, user=request.user)
            if move_form.is_valid():
                region = _region_or_none(request.user, move_form.cleaned_data["region"])
                _attempt(
                    request,
                    lambda: services.store_move(actor=request.user, store=the_store, region=region),
                    _("门店的区域已调整。"),
                )
                return redirect("org:store", code=code)
        elif action == "appoint":
            appoint_form = AppointmentForm(request.POST, user=request.user, unit=the_store)
            if appoint_form.is_valid() and _appoint(request, appoint_form):
                return redirect("org:store", code=code)
        elif action == "end" and _end(request):
            return redirect("org:store", code=code)
    context = {
        "store": the_store,
        "seats": selectors.unit_seats(the_store),
        "zone": selectors.unit_zone(the_store).key,
        "move_form": move_form,
        "edit_form": edit_form,
        "appoint_form": appoint_form,
        "can_move": request.user.has_perm("org.change_store"),
        "can_appoint": request.user.has_perm("org.add_appointment"),
        "can_end": request.user.has_perm("org.change_appointment"),
        "nav_active": "stores",
    }
    return render(request, "org/store.html", context)


def _appoint(request: HttpRequest, form: AppointmentForm) -> bool:
    data = form.cleaned_data
    return _attempt(
        request,
        lambda: services.appointment_create(
            actor=request.user,
            employee=data["employee"],
            position=data["position"],
            unit=data["unit"],
            started_on=data["started_on"],
        ),
        _("已任命。"),
    )


def _end(request: HttpRequest) -> bool:
    form = EndAppointmentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请检查离任信息。"))
        return False
    return _attempt(
        request,
        lambda: services.appointment_end(
            actor=request.user,
            appointment=selectors.appointment_get(user=request.user, pk=form.cleaned_data["appointment"]),
            ended_on=form.cleaned_data["ended_on"],
            reason=form.cleaned_data["reason"],
        ),
        _("任职已结束，记录已保留。"),
    )


@login_required
def regions(request: HttpRequest) -> HttpResponse:
    form = RegionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _attempt(
            request,
            lambda: services.region_create(
                actor=request.user,
                code=data["code"],
                name=data["name"],
                area=data["area"],
                stores=list(data["stores"]),
            ),
            _("区域已组建。"),
        ):
            return redirect("org:regions")
    context = {
        "regions": selectors.region_list(user=request.user),
        "form": form,
        "can_add": request.user.has_perm("org.add_orgunit"),
        "nav_active": "regions",
    }
    return render(request, "org/regions.html", context)


@login_required
def people(request: HttpRequest) -> HttpResponse:
    form = EmployeeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _attempt(request, lambda: services.employee_create(actor=request.user, **data), _("员工已添加。")):
            return redirect("org:person", employee_no=data["employee_no"].strip())
    context = {
        "people": selectors.employee_list(
            user=request.user, q=request.GET.get("q"), unit=request.GET.get("unit")
        )[:500],
        "form": form,
        "q": request.GET.get("q", ""),
        "can_add": request.user.has_perm("org.add_employee"),
        "nav_active": "people",
    }
    return render(request, "org/people.html", context)


@login_required
def person(request: HttpRequest, employee_no: str) -> HttpResponse:
    employee = selectors.employee_get(user=request.user, employee_no=employee_no)
    appoint_form = AppointmentForm(user=request.user, initial={"employee": employee.pk})
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "appoint":
            appoint_form = AppointmentForm(request.POST, user=request.user)
            if appoint_form.is_valid() and _appoint(request, appoint_form):
                return redirect("org:person", employee_no=employee_no)
        elif action == "end" and _end(request):
            return redirect("org:person", employee_no=employee_no)
    context = {
        "employee": employee,
        "appointments": selectors.employee_appointments(employee),
        "superiors": selectors.direct_superiors(employee),
        "appoint_form": appoint_form,
        "can_appoint": request.user.has_perm("org.add_appointment"),
        "can_end": request.user.has_perm("org.change_appointment"),
        "nav_active": "people",
    }
    return render(request, "org/person.html", context)


@login_required
def positions(request: HttpRequest) -> HttpResponse:
    return render(
        request, "org/positions.html", {"positions": selectors.position_list(), "nav_active": "positions"}
    )


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        upload = form.cleaned_data["file"]
        try:
            report = imports.import_file(
                actor=request.user, kind=kind, filename=upload.name, content=upload.read()
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            if report.ok:
                messages.success(request, _("导入成功：%(n)d 行。") % {"n": report.written})
            else:
                messages.error(request, _("文件有错误，未导入任何数据。请按下表修改后重新导入。"))
    return render(request, "org/import.html", {"form": form, "report": report, "nav_active": "import"})


@login_required
def export(request: HttpRequest, kind: str) -> HttpResponse:
    content = exports.export_xlsx(user=request.user, kind=kind)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="yunying-{kind}.xlsx"'
    return response


@login_required
def template_download(request: HttpRequest, kind: str) -> HttpResponse:
    content = exports.template_xlsx(kind=kind)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="yunying-{kind}-template.xlsx"'
    return response
