"""Asset register pages: thin adapters over assets.selectors (reads) and assets.services (writes)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from yunying.assets import selectors, services, tabular
from yunying.assets.forms import AssetImportForm, AssetStateForm
from yunying.assets.models import AssetCategory, AssetState
from yunying.core.errors import DomainError
from yunying.org.scope import stores_visible_to

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FILTERS = ("store", "state", "category", "q")


def _filters(request: HttpRequest) -> dict[str, str]:
    return {key: request.GET.get(key, "").strip() for key in _FILTERS}


@login_required
def asset_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    assets = selectors.asset_list(user=request.user, **{k: v or None for k, v in filters.items()})
    context = {
        "assets": assets[:500],
        "total": assets.count(),
        "filters": filters,
        "query": request.GET.urlencode(),
        "stores": stores_visible_to(request.user).order_by("code"),
        "states": AssetState.choices,
        "categories": AssetCategory.choices,
        "can_import": request.user.has_perm("assets.add_asset"),
        "nav_active": "assets",
    }
    return render(request, "assets/list.html", context)


@login_required
def asset_card(request: HttpRequest, code: str) -> HttpResponse:
    asset = selectors.asset_get(user=request.user, code=code)
    can_change = request.user.has_perm("assets.change_asset") and asset.state != AssetState.WRITTEN_OFF
    form = AssetStateForm(request.POST or None, initial={"state": asset.state})
    if request.method == "POST" and can_change and form.is_valid():
        try:
            services.asset_set_state(
                actor=request.user,
                asset=asset,
                state=form.cleaned_data["state"],
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("资产状态已更新。"))
            return redirect("assets:card", code=asset.code)
    from yunying.assets import labels

    context = {
        "asset": asset,
        "repair_url": labels.repair_start_url(asset) if labels.can_report_repair(asset) else "",
        "history": selectors.asset_history(asset=asset),
        "form": form,
        "can_change": can_change,
        "nav_active": "assets",
    }
    return render(request, "assets/card.html", context)


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    form = AssetImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = tabular.import_assets(actor=request.user, filename=upload.name, content=upload.read())
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            if report.ok:
                messages.success(request, _("导入成功：%(n)d 行。") % {"n": report.written})
            else:
                messages.error(request, _("文件有错误，未导入任何数据。请按下表修改后重新导入。"))
    return render(request, "assets/import.html", {"form": form, "report": report, "nav_active": "assets"})


@login_required
def export(request: HttpRequest) -> HttpResponse:
    filters = {k: v or None for k, v in _filters(request).items()}
    response = HttpResponse(tabular.export_assets(user=request.user, **filters), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="yunying-assets.xlsx"'
    return response


@login_required
def template_download(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(tabular.template_assets(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="yunying-assets-template.xlsx"'
    return response


@login_required
def label_sheet(request: HttpRequest) -> HttpResponse:
    """QR-code labels of the listed assets (the list's filters), or of one asset (``?code=``), to print."""
    from yunying.assets import labels

    filters = {k: v or None for k, v in _filters(request).items()}
    code = request.GET.get("code", "").strip()
    if code:
        assets: Any = [selectors.asset_get(user=request.user, code=code)]  # 404 outside scope
        total = 1
    else:
        assets = selectors.asset_list(user=request.user, **filters).exclude(state=AssetState.WRITTEN_OFF)
        total = assets.count()
    found = labels.labels_for(assets, base_url=request.build_absolute_uri("/"))
    context = {"labels": found, "total": total, "limit": labels.MAX_LABELS}
    return render(request, "assets/labels.html", context)
