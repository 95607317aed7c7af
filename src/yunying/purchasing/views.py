"""采购单 pages: the queue (scoped) and its Excel export, thin over purchasing.selectors."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from yunying.core import clock
from yunying.purchasing import exports, selectors
from yunying.purchasing.models import OrderStatus

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE = 200


def _filters(request: HttpRequest) -> dict[str, str]:
    status = request.GET.get("status", "").strip()
    return {
        "q": request.GET.get("q", "").strip()[: selectors.MAX_QUERY],
        "status": status if status in OrderStatus.values else "",
    }


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    orders = selectors.purchase_orders_for(request.user, **filters)
    context = {
        "orders": orders[:PAGE],
        "total": orders.count(),
        "page_size": PAGE,
        "filters": filters,
        "statuses": OrderStatus.choices,
        "query": request.GET.urlencode(),
        "nav_active": "purchase-orders",
    }
    return render(request, "purchasing/list.html", context)


@login_required
def order_export(request: HttpRequest) -> HttpResponse:
    orders = selectors.purchase_orders_for(request.user, **_filters(request))
    response = HttpResponse(exports.orders_xlsx(orders), content_type=XLSX)
    name = f"purchase-orders-{clock.today():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
