"""Data pages: sales import (upload → preview and column mapping → worker with a progress bar) and the
targets grid. Thin adapters over analytics.services and analytics.targets."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from yunying.analytics import columns, selectors, services
from yunying.analytics import targets as target_service
from yunying.analytics.models import ImportStatus
from yunying.analytics.periods import add_months, parse_month
from yunying.analytics.progress import progress_get
from yunying.analytics.reports import excel
from yunying.core.errors import DomainError


def _can_import(request: HttpRequest) -> bool:
    return request.user.has_perm(services.IMPORT_PERM)


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    if not _can_import(request):
        raise PermissionDenied
    if request.method == "POST" and request.FILES.get("file"):
        upload: Any = request.FILES["file"]
        source = selectors.source_list().filter(pk=request.POST.get("source") or 0).first()
        try:
            sales_import = services.sales_import_upload(
                actor=request.user,
                filename=upload.name or "upload.csv",
                chunks=upload.chunks(),
                source=source,
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            return redirect("analytics:import-detail", pk=sales_import.pk)
    context = {
        "nav_active": "analytics",
        "tab": "import",
        "sources": selectors.source_list(),
        "imports": selectors.import_list(user=request.user)[:20],
        "columns": columns,
    }
    return render(request, "analytics/import.html", context)


def _date_formats() -> list[tuple[str, str]]:
    sample = date(2026, 3, 31)
    return [(fmt, sample.strftime(fmt) if fmt else _("自动识别")) for fmt in services.DATE_FORMATS]


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    sales_import = selectors.import_get(user=request.user, pk=pk)
    preview = None
    if sales_import.status == ImportStatus.UPLOADED:
        kind: str | None = None
        mapping: dict[str, str] | None = None
        options: dict[str, Any] | None = None
        if request.method == "POST":
            kind = request.POST.get("kind", "")
            mapping = {key: request.POST.get(f"map_{key}", "") for key in columns.COLUMNS.get(kind, ())}
            options = {
                "header_row": request.POST.get("header_row", ""),
                "date_format": request.POST.get("date_format", ""),
                "store": request.POST.get("store", ""),
            }
            if request.POST.get("action") != "preview":
                try:
                    services.sales_import_confirm(
                        actor=request.user,
                        sales_import=sales_import,
                        kind=kind,
                        mapping=mapping,
                        options=options,
                        save_as=request.POST.get("save_as", ""),
                    )
                except DomainError as exc:
                    messages.error(request, str(exc))
                else:
                    return redirect("analytics:import-detail", pk=pk)
            if request.POST.get("header_row_changed") == "1":
                mapping = None  # another header row: other headings, matched afresh
        try:
            preview = services.sales_import_preview(
                sales_import=sales_import,
                kind=kind if kind in columns.COLUMNS else None,
                mapping=mapping,
                options=options,
            )
        except DomainError as exc:
            messages.error(request, str(exc))
    seen: set[str] = set()
    kinds = []
    for kind in columns.COLUMNS:
        kind_columns = []
        for c in columns.COLUMNS[kind]:
            # Test ids: "map-<column>" where the column first appears, "map-<kind>-<column>" after.
            testid = f"map-{c}" if c not in seen else f"map-{kind}-{c}"
            seen.add(c)
            kind_columns.append(
                {
                    "key": c,
                    "label": columns.LABELS[c],
                    "required": c in columns.REQUIRED[kind],
                    "testid": testid,
                }
            )
        kinds.append({"key": kind, "label": columns.KIND_LABELS[kind], "columns": kind_columns})
    context = {
        "nav_active": "analytics",
        "tab": "import",
        "item": sales_import,
        "preview": preview,
        "kinds": kinds,
        "header_rows": range(1, services.HEADER_SCAN_ROWS + 1),
        "date_formats": _date_formats(),
        "stores": selectors.report_stores(user=request.user).stores if preview else [],
        "progress": progress_get(pk),
        "error_groups": selectors.import_error_groups(sales_import=sales_import),
    }
    return render(request, "analytics/import_detail.html", context)


@login_required
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    sales_import = selectors.import_get(user=request.user, pk=pk)
    context = {
        "item": sales_import,
        "progress": progress_get(pk),
        "error_groups": selectors.import_error_groups(sales_import=sales_import),
    }
    return render(request, "analytics/_import_progress.html", context)


@login_required
def import_errors(request: HttpRequest, pk: int) -> HttpResponse:
    """Every reported error of an import as an Excel sheet."""
    sales_import = selectors.import_get(user=request.user, pk=pk)
    body = [[e.get("row"), e.get("column"), e.get("message")] for e in sales_import.errors]
    return excel.response(f"import-{pk}-errors.xlsx", [(_("错误"), [_("行号"), _("列"), _("问题")], body)])


@login_required
def targets(request: HttpRequest) -> HttpResponse:
    latest = selectors.current_month(user=request.user)
    month = parse_month(request.GET.get("month"), default=add_months(latest, 1))
    region = request.GET.get("region") or None
    can_edit = request.user.has_perm(target_service.TARGET_PERM)
    if request.method == "POST" and can_edit:
        try:
            if request.POST.get("action") == "import" and request.FILES.get("file"):
                upload: Any = request.FILES["file"]
                report = target_service.store_targets_import(
                    actor=request.user, filename=upload.name or "targets.xlsx", content=upload.read()
                )
                if report.errors:
                    messages.error(
                        request,
                        _("文件有错误，未导入任何指标：")
                        + "；".join(
                            f"{_('第')} {e.row} {_('行')} {e.column} {e.message}" for e in report.errors[:20]
                        ),
                    )
                else:
                    messages.success(request, _("已导入 %(n)d 条指标。") % {"n": report.written})
            else:
                amounts = {key[7:]: value for key, value in request.POST.items() if key.startswith("target_")}
                changed = target_service.store_targets_save(actor=request.user, month=month, amounts=amounts)
                messages.success(request, _("指标已保存（%(n)d 项有变更）。") % {"n": changed})
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            return redirect(f"{request.path}?month={month:%Y-%m}" + (f"&region={region}" if region else ""))
    rows = target_service.target_grid(user=request.user, month=month, region=region)
    context = {
        "nav_active": "analytics",
        "tab": "targets",
        "rows": rows,
        "month": month,
        "can_edit": can_edit,
        "months": [add_months(latest, i) for i in range(2, -12, -1)],
        "region": region or "",
        "regions": selectors.region_choices(user=request.user),
        "backtest": target_service.backtest_latest(),
    }
    return render(request, "analytics/targets.html", context)


@login_required
def targets_template(request: HttpRequest) -> HttpResponse:
    month = add_months(selectors.current_month(user=request.user), 1)
    rows = target_service.target_grid(user=request.user, month=month)
    body = [[r.store.code, r.store.name, month.strftime("%Y-%m"), r.target or r.suggestion] for r in rows]
    return excel.response(
        f"targets-{month:%Y-%m}.xlsx",
        [(_("业绩指标"), [_("门店编码"), _("门店"), _("月份"), _("业绩指标")], body)],
    )
