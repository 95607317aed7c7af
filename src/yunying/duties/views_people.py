"""People review pages: the review reports, the training-needs summary (with its export), the onboarding
programmes of hired-in managers. Thin adapters over duties.reviews and duties.onboarding."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from yunying.core.errors import DomainError, NotFound
from yunying.duties import onboarding as onb
from yunying.duties import reviews as review_reports
from yunying.duties.models import Duty
from yunying.org.selectors import employee_get


def _duties() -> list[Duty]:
    return list(Duty.objects.filter(key__in=review_reports.REVIEW_DUTIES).order_by("sort_order"))


@login_required
def reviews(request: HttpRequest) -> HttpResponse:
    duty_key = request.GET.get("duty") or review_reports.REVIEW_DUTIES[0]
    try:
        report = review_reports.review_report(
            user=request.user, duty_key=duty_key, period=request.GET.get("period") or None
        )
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    context = {
        "report": report,
        "duties": _duties(),
        "nav_active": "duties-reviews",
    }
    return render(request, "duties/reviews.html", context)


def _needs(request: HttpRequest) -> review_reports.TrainingNeeds:
    try:
        return review_reports.training_needs(user=request.user, quarter=request.GET.get("quarter") or None)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


@login_required
def training(request: HttpRequest) -> HttpResponse:
    try:
        needs = _needs(request)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("duties:training")
    return render(
        request, "duties/training.html", {"needs": needs, "duties": _duties(), "nav_active": "duties-reviews"}
    )


@login_required
def training_export(request: HttpRequest) -> HttpResponse:
    try:
        needs = _needs(request)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("duties:training")
    response = HttpResponse(
        review_reports.training_needs_xlsx(needs),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="training-needs-{needs.quarter or "none"}.xlsx"'
    return response


@login_required
def onboarding_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            employee = employee_get(user=request.user, employee_no=request.POST.get("employee", "").strip())
            months = int(request.POST.get("months") or 3)
            created = onb.onboarding_start(actor=request.user, employee=employee, months=months)
            messages.success(request, _("已为 %(name)s 安排培养计划。") % {"name": employee.name})
            return redirect("duties:onboarding-detail", pk=created.pk)
        except ValueError:
            messages.error(request, _("培养期为 1 到 3 个月。"))
        except DomainError as exc:
            messages.error(request, str(exc))
        return redirect("duties:onboarding")
    rows = [onb.onboarding_progress(o) for o in onb.onboardings_visible_to(request.user)]
    context = {"rows": rows, "duties": _duties(), "nav_active": "duties-reviews"}
    return render(request, "duties/onboarding_list.html", context)


@login_required
def onboarding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        onboarding = onb.onboarding_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    if request.method == "POST":
        try:
            onb.checkpoint_set(
                actor=request.user,
                checkpoint_id=int(request.POST.get("checkpoint") or 0),
                done=request.POST.get("done") == "1",
                note=request.POST.get("note", ""),
            )
            messages.success(request, _("已更新检查点。"))
        except (DomainError, ValueError) as exc:
            messages.error(request, str(exc) if isinstance(exc, DomainError) else _("未知的检查点。"))
        return redirect("duties:onboarding-detail", pk=pk)
    context = {
        "progress": onb.onboarding_progress(onboarding),
        "checkpoints": list(onboarding.checkpoints.select_related("confirmed_by").all()),
        "can_manage": onb._may_manage(request.user, onboarding.unit_id),
        "nav_active": "duties-reviews",
    }
    return render(request, "duties/onboarding.html", context)
