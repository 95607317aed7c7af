"""Report pages: thin adapters over the report selectors; `?export=xlsx` downloads the page as Excel."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from yunying.analytics import selectors
from yunying.analytics.periods import parse_month, parse_week
from yunying.analytics.reportcache import cached_page
from yunying.analytics.reports import excel
from yunying.analytics.reports.board import MEASURES, kpi_board, ranking
from yunying.analytics.reports.monthly import monthly_report
from yunying.analytics.reports.products import product_report
from yunying.analytics.reports.store import store_month
from yunying.analytics.reports.weekly import weekly_report

IMPORT_PERM = "analytics.add_salesimport"


def _month(request: HttpRequest) -> date:
    return parse_month(request.GET.get("month"), default=selectors.latest_month(user=request.user))


def _region(request: HttpRequest) -> str | None:
    return request.GET.get("region") or None


def _context(request: HttpRequest, tab: str, **extra: Any) -> dict[str, Any]:
    latest = selectors.current_month(user=request.user)
    start = selectors.data_start(user=request.user)
    months = selectors.month_options(latest=latest, first=start.replace(day=1) if start else None)
    selected = extra.get("month")
    if isinstance(selected, date) and selected not in months:  # a month outside the data, asked by URL
        months = sorted({*months, selected}, reverse=True)
    return {
        "nav_active": "analytics",
        "tab": tab,
        "months": months,
        "has_direct": selectors.has_direct_stores(user=request.user),
        "regions": selectors.region_choices(user=request.user),
        "region": _region(request) or "",
        "can_import": request.user.has_perm(IMPORT_PERM),
        **extra,
    }


def _wants_excel(request: HttpRequest) -> bool:
    return request.GET.get("export") == "xlsx"


@login_required
def monthly(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    if _wants_excel(request):
        month = _month(request)
        report = monthly_report(user=request.user, month=month, region=region, with_charts=False)
        return excel.response(f"monthly-{month:%Y-%m}.xlsx", excel.monthly_sheets(report))

    def build() -> dict[str, Any]:
        """The page's data-dependent parts: the report's body and the pickers (kept until the next import)."""
        month = _month(request)
        report = monthly_report(user=request.user, month=month, region=region)
        body = render_to_string(
            "analytics/_monthly_body.html", {"report": report, "month": month, "region": region or ""}
        )
        context = _context(request, "monthly", month=month, body=body)
        context["regions"] = list(context["regions"])
        context["filters"] = render_to_string("analytics/_filters.html", context)  # the pickers
        del context["can_import"]  # the viewer's permission: asked on every view
        return context

    parts = cached_page(
        user=request.user, page="monthly", params=(request.GET.get("month"), region), build=build
    )
    context = {
        **parts,
        "body": mark_safe(parts["body"]),
        "filters": mark_safe(parts["filters"]),
        "can_import": request.user.has_perm(IMPORT_PERM),
    }
    return render(request, "analytics/monthly.html", context)


@login_required
def store(request: HttpRequest, code: str) -> HttpResponse:
    month = _month(request)
    result = store_month(user=request.user, code=code, month=month)
    return render(request, "analytics/store.html", _context(request, "monthly", result=result, month=month))


@login_required
def weekly(request: HttpRequest) -> HttpResponse:
    week = parse_week(request.GET.get("week"), default=selectors.latest_complete_week(user=request.user))
    report = weekly_report(
        user=request.user, week=week, region=_region(request), with_charts=not _wants_excel(request)
    )
    if _wants_excel(request):
        return excel.response(f"weekly-{week:%Y-%m-%d}.xlsx", excel.weekly_sheets(report))
    weeks = selectors.week_options(user=request.user, selected=week)
    context = _context(
        request, "weekly", report=report, week=week, week_end=week + timedelta(days=6), weeks=weeks
    )
    return render(request, "analytics/weekly.html", context)


@login_required
def products(request: HttpRequest) -> HttpResponse:
    month = _month(request)
    report = product_report(
        user=request.user, month=month, region=_region(request), with_charts=not _wants_excel(request)
    )
    if _wants_excel(request):
        return excel.response(f"products-{month:%Y-%m}.xlsx", excel.product_sheets(report))
    return render(
        request, "analytics/products.html", _context(request, "products", report=report, month=month)
    )


@login_required
def rankings(request: HttpRequest) -> HttpResponse:
    month = _month(request)
    measure = request.GET.get("measure", "sales")
    result = ranking(
        user=request.user,
        month=month,
        measure=measure,
        region=_region(request),
        with_charts=not _wants_excel(request),
    )
    if _wants_excel(request):
        return excel.response(f"ranking-{result.measure}-{month:%Y-%m}.xlsx", excel.ranking_sheets(result))
    context = _context(
        request,
        "rankings",
        result=result,
        month=month,
        measures=MEASURES,
        measure_label=MEASURES[result.measure],
    )
    return render(request, "analytics/rankings.html", context)


@login_required
def kpi(request: HttpRequest) -> HttpResponse:
    month = _month(request)
    board = kpi_board(user=request.user, month=month, region=_region(request))
    if _wants_excel(request):
        return excel.response(f"kpi-{month:%Y-%m}.xlsx", excel.kpi_sheets(board))
    return render(request, "analytics/kpi.html", _context(request, "kpi", board=board, month=month))
