"""Service desk pages: thin adapters over servicedesk.selectors and servicedesk.stats."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from yunying.servicedesk import selectors, stats


@login_required
def desk(request: HttpRequest) -> HttpResponse:
    filters = selectors.TicketFilters.from_query(request.GET)
    deployed = selectors.deployed_kinds()
    context = {
        "filters": filters,
        "kinds": [(k, k.key in deployed) for k in selectors.KINDS.values()],
        "kind": selectors.KINDS[filters.kind],
        "deployed": filters.kind in deployed,
        "period": request.GET.get("period", "week"),
        "nav_active": "servicedesk",
    }
    if filters.kind in deployed:
        tickets, total = selectors.ticket_list(user=request.user, filters=filters)
        context.update(
            tickets=tickets,
            total=total,
            facets=selectors.facets(user=request.user, kind=filters.kind),
            stats=stats.ticket_stats(
                user=request.user, filters=filters, period=request.GET.get("period", "week")
            ),
        )
    return render(request, "servicedesk/desk.html", context)
