"""Inspection pages: thin adapters over inspections.selectors (reads) and inspections.services (writes).

The visit form itself talks to the API (/api/inspections/visits/…) from the phone: see
static/inspections/visit.js."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yunying.core import clock
from yunying.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from yunying.core.settings_store import setting_get
from yunying.inspections import checklist_excel, selectors, services
from yunying.inspections.bulletin import Period, bulletin_compile
from yunying.inspections.definition import items_of
from yunying.inspections.models import CONDUCT_PERMISSION, CriticalRule, FindingStatus, VisitStatus
from yunying.inspections.presentation import answer_label, js_messages


def _or_404(getter: Any, **kwargs: Any) -> Any:
    try:
        return getter(**kwargs)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _date(text: str | None) -> dt.date | None:
    """A date from a filter field; anything unreadable is simply no filter."""
    try:
        return parse_date(text or "")
    except ValueError:
        return None


@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    rows = []
    for template in selectors.template_list():
        version = selectors.version_current(template)
        sections = services.version_sections(version) if version else []
        items = [item for _s, item in items_of(sections)]
        rows.append(
            {
                "template": template,
                "version": version,
                "sections": len(sections),
                "items": len(items),
                "critical": sum(1 for i in items if i.critical),
            }
        )
    context = {
        "rows": rows,
        "may_design": request.user.has_perm(services.DESIGN_PERMISSION),
        "nav_active": "insp-templates",
    }
    return render(request, "inspections/templates.html", context)


@login_required
def template_detail(request: HttpRequest, key: str) -> HttpResponse:
    template = _or_404(selectors.template_get, key=key)
    version = selectors.version_current(template)
    context = {
        "template": template,
        "version": version,
        "sections": services.version_sections(version) if version else [],
        "versions": template.versions.order_by("-number"),
        "may_import": request.user.has_perm(checklist_excel.PERMISSION),
        "nav_active": "insp-templates",
    }
    return render(request, "inspections/template.html", context)


@login_required
def template_design(request: HttpRequest, key: str | None = None) -> HttpResponse:
    """The checklist designer: a new checklist, or the next version of one. Adding/removing sections and
    items re-renders the posted form; publishing makes a new version (those in use never change)."""
    from yunying.inspections import designer

    if not request.user.has_perm(services.DESIGN_PERMISSION):
        raise Http404(_("您没有设计检查表的权限。"))
    template = _or_404(selectors.template_get, key=key) if key else None
    errors: list[dict[str, object]] = []
    if request.method == "POST":
        design = designer.design_from_post(
            request.POST,
            request.FILES,
            store_photo=lambda upload: services.reference_photo_store(actor=request.user, upload=upload),
        )
        op = request.POST.get("op", "")
        if op == "publish":
            try:
                version = services.template_design_publish(
                    actor=request.user, design=design, template=template
                )
            except ValidationFailed as exc:
                errors = exc.errors
                messages.error(request, str(exc))
            except DomainError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(
                    request, _("已发布第 %(n)d 版；已完成的巡店保留原版本。") % {"n": version.number}
                )
                return redirect("inspections:template", key=version.template.key)
        else:
            design = designer.design_apply(design, op)
            errors = design.errors
    elif template is not None:
        design = designer.design_of(template, selectors.version_current(template))
    else:
        design = designer.design_new()
    context = {
        "template": template,
        "design": design,
        "errors": errors,
        "error_fields": {str(e.get("field", "")) for e in errors},
        "scorings": [("yes_no", _("是/否")), ("points", _("分值")), ("ppf", _("合格/部分合格/不合格"))],
        "rules": CriticalRule.choices,
        "nav_active": "insp-templates",
    }
    return render(request, "inspections/designer.html", context, status=400 if errors else 200)


@login_required
def template_export(request: HttpRequest, key: str) -> HttpResponse:
    template = _or_404(selectors.template_get, key=key)
    version = selectors.version_current(template)
    if version is None:
        raise Http404(_("检查表还没有发布的版本。"))
    response = HttpResponse(
        checklist_excel.checklist_export(version),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="checklist-{template.key}-v{version.number}.xlsx"'
    )
    return response


@login_required
def template_import(request: HttpRequest, key: str) -> HttpResponse:
    """Publish an edited Excel sheet as the checklist's next version; every problem listed, nothing half-done."""
    template = _or_404(selectors.template_get, key=key)
    if request.method != "POST":
        return redirect("inspections:template", key=key)
    upload = request.FILES.get("file")
    report = None
    try:
        if upload is None:
            raise DomainError(_("请选择要导入的文件。"))
        report = checklist_excel.checklist_import(
            actor=request.user, template=template, filename=upload.name or "", content=upload.read()
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    if report is not None and report.unused_columns:
        messages.warning(request, _("以下列未使用：%(cols)s") % {"cols": "、".join(report.unused_columns)})
    if report is not None and report.version is not None:
        messages.success(
            request, _("已发布第 %(n)d 版；已完成的巡店保留原版本。") % {"n": report.version.number}
        )
        return redirect("inspections:template", key=key)
    version = selectors.version_current(template)
    context = {
        "template": template,
        "version": version,
        "sections": services.version_sections(version) if version else [],
        "versions": template.versions.order_by("-number"),
        "may_import": True,
        "import_errors": report.errors if report is not None else [],
        "nav_active": "insp-templates",
    }
    return render(request, "inspections/template.html", context, status=400)


@login_required
def visit_list(request: HttpRequest) -> HttpResponse:
    can_inspect = request.user.has_perm(CONDUCT_PERMISSION)
    if request.method == "POST" and can_inspect:
        store = selectors.stores_to_inspect(request.user).filter(code=request.POST.get("store", "")).first()
        try:
            if store is None:
                raise DomainError(_("请选择管辖范围内的门店。"))
            template = selectors.template_get(key=request.POST.get("template", ""))
            visit = services.visit_create(actor=request.user, store=store, template=template)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            return redirect("inspections:visit", pk=visit.pk)
    store_code = request.GET.get("store") or None
    date_from, date_to = _date(request.GET.get("from")), _date(request.GET.get("to"))
    context = {
        "visits": selectors.visit_list(
            user=request.user, store=store_code, date_from=date_from, date_to=date_to
        ),
        "stores": selectors.stores_to_inspect(request.user),
        "templates": selectors.template_list(),
        "can_inspect": can_inspect,
        "store_filter": store_code or "",
        "date_from": request.GET.get("from", ""),
        "date_to": request.GET.get("to", ""),
        "nav_active": "insp-visits",
    }
    return render(request, "inspections/visits.html", context)


@login_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _or_404(selectors.visit_get, user=request.user, pk=pk)
    if visit.status == VisitStatus.DRAFT:
        return _visit_form(request, visit)
    if request.method == "POST":
        key = request.POST.get("item", "")
        try:
            services.visit_correct(
                actor=request.user,
                visit=visit,
                changes={key: {"value": request.POST.get("value"), "note": request.POST.get("note")}},
                reason=request.POST.get("reason", ""),
            )
        except DomainError as exc:
            problems = getattr(exc, "errors", None) or []
            messages.error(request, "；".join(str(p["message"]) for p in problems) or str(exc))
        else:
            messages.success(request, _("已修改并记录，得分已重新计算。"))
        return redirect("inspections:visit", pk=visit.pk)
    report = selectors.visit_report(visit)
    edits = selectors.visit_edits(visit)
    items = {row.item.key: row.item for section in report for row in section.items}
    for edit in edits:
        item = items.get(edit.item_key)
        for side in ("before", "after"):
            value = str(getattr(edit, side).get("value", ""))
            label = answer_label(item, value) if item else value
            setattr(edit, f"{side}_label", label)
    context = {
        "visit": visit,
        "report": report,
        "edits": edits,
        "edited": {e.item_key: e for e in edits},
        "may_correct": services.may_correct(request.user, visit),
        "findings": list(visit.findings.select_related("owner").order_by("pk")),
        "history": selectors.visit_list(user=request.user, store=visit.store.code, limit=6),
        "nav_active": "insp-visits",
    }
    return render(request, "inspections/visit_report.html", context)


def _visit_form(request: HttpRequest, visit: Any) -> HttpResponse:
    sections = services.version_sections(visit.version)
    config = {
        "visit": visit.pk,
        "answersUrl": f"/api/inspections/visits/{visit.pk}/answers",
        "photosUrl": f"/api/inspections/visits/{visit.pk}/photos",
        "submitUrl": f"/api/inspections/visits/{visit.pk}/submit",
        "checkinUrl": f"/api/inspections/visits/{visit.pk}/checkin",
        "reportUrl": reverse("inspections:visit", args=[visit.pk]),
        "fileUrl": reverse("yyforms:file", args=["TOKEN"]),
        "serverDraft": visit.draft,
        "messages": js_messages(),
    }
    context = {
        "visit": visit,
        "sections": sections,
        "config": config,
        "signatures_required": bool(setting_get("inspections.signatures_required")),
        "nav_active": "insp-visits",
        "rows": [
            (
                section,
                [(item, [(v, answer_label(item, v)) for v in item.choices()]) for item in section.items],
            )
            for section in sections
        ],
    }
    return render(request, "inspections/visit_form.html", context)


@login_required
def finding_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or None
    overdue = request.GET.get("overdue") == "1"
    findings = selectors.finding_list(
        user=request.user, store=request.GET.get("store") or None, status=status, overdue=overdue
    )
    for finding in findings:
        finding.overdue = selectors.finding_is_overdue(finding)  # type: ignore[attr-defined]
    context = {
        "findings": findings,
        "status": status or "",
        "overdue": overdue,
        "statuses": FindingStatus.choices,
        "nav_active": "insp-findings",
    }
    return render(request, "inspections/findings.html", context)


@login_required
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _or_404(selectors.finding_get, user=request.user, pk=pk)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "answer":
                services.finding_answer(
                    actor=request.user,
                    finding=finding,
                    note=request.POST.get("note", ""),
                    photos=request.FILES.getlist("photos"),
                )
                messages.success(request, _("整改情况已提交，等待验证。"))
            else:
                accepted = request.POST.get("action") == "accept"
                services.finding_verify(
                    actor=request.user,
                    finding=finding,
                    accepted=accepted,
                    comment=request.POST.get("comment", ""),
                )
                messages.success(
                    request, _("已验证通过，整改项关闭。") if accepted else _("已退回门店重新整改。")
                )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            return redirect("inspections:finding", pk=finding.pk)
    context = {
        "finding": finding,
        "overdue": selectors.finding_is_overdue(finding),
        "events": list(finding.events.select_related("actor").order_by("at", "pk")),
        "can_answer": finding.status == FindingStatus.OPEN and services.may_answer(request.user, finding),
        "can_verify": finding.status == FindingStatus.ANSWERED and services.may_verify(request.user, finding),
        "nav_active": "insp-findings",
    }
    return render(request, "inspections/finding.html", context)


@login_required
def bulletin_current(request: HttpRequest) -> HttpResponse:
    return redirect("inspections:bulletin", period=Period.of(clock.today()).key)


@login_required
def bulletin(request: HttpRequest, period: str) -> HttpResponse:
    try:
        parsed = Period.parse(period)
    except DomainError as exc:
        raise Http404(str(exc)) from exc
    context = {
        "bulletin": bulletin_compile(user=request.user, period=parsed),
        "previous": parsed.previous().key,
        "next": parsed.next().key if parsed.next().start <= clock.today() else "",
        "nav_active": "insp-bulletin",
    }
    return render(request, "inspections/bulletin.html", context)


@login_required
def bulletin_export(request: HttpRequest, period: str) -> HttpResponse:
    from yunying.inspections.bulletin_export import bulletin_xlsx

    try:
        parsed = Period.parse(period)
    except DomainError as exc:
        raise Http404(str(exc)) from exc
    content = bulletin_xlsx(bulletin_compile(user=request.user, period=parsed))
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="yunying-bulletin-{parsed.key}.xlsx"'
    return response


def _month(text: str | None) -> dt.date | None:
    try:
        return dt.datetime.strptime(text or "", "%Y-%m").date()
    except ValueError:
        return None


@login_required
def quality_evaluations(request: HttpRequest) -> HttpResponse:
    """月度运营质量评估: the month's grades for the stores in scope, the key list, and (for those who may)
    the button that grades the month again."""
    from yunying.inspections import quality

    default = quality.previous_month(quality.month_start(clock.today()))
    month = _month(request.GET.get("month") or request.POST.get("month")) or default
    may_run = request.user.has_perm(quality.PERMISSION)
    if request.method == "POST":
        try:
            run = quality.evaluations_compute(actor=request.user, month=month)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("已评估 %(n)d 家门店：%(failed)d 家不合格，发起降级建议 %(raised)d 条。")
                % {"n": run.evaluated, "failed": run.failed, "raised": run.recommendations},
            )
        return redirect(f"{reverse('inspections:quality')}?month={month:%Y-%m}")
    rows = quality.evaluation_list(user=request.user, month=month)
    context = {
        "month": month,
        "previous": quality.previous_month(month),
        "next": quality.month_start(quality.month_end(month) + dt.timedelta(days=1)),
        "current": quality.month_start(clock.today()),
        "rows": rows,
        "key_rows": [r for r in rows if r.on_key_list],
        "graded": sum(1 for r in rows if r.score is not None),
        "may_run": may_run,
        "weights": quality.Weights.current(),
        "calibration": _calibration_for(request.user, month),
        "nav_active": "insp-quality",
    }
    return render(request, "inspections/quality.html", context)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """巡店看板: score trends per store, the month's item × store failure heat map and the region comparison,
    over the stores the user may see."""
    from yunying.inspections import dashboards, quality

    current = quality.month_start(clock.today())
    month = min(_month(request.GET.get("month")) or current, current)
    context = {
        "board": dashboards.dashboard(user=request.user, month=month),
        "month": month,
        "previous": quality.previous_month(month),
        "next": quality.month_start(quality.month_end(month) + dt.timedelta(days=1)),
        "current": current,
        "nav_active": "insp-dashboard",
    }
    return render(request, "inspections/dashboard.html", context)


@login_required
@require_POST
def store_location(request: HttpRequest, code: str) -> HttpResponse:
    """The store page's coordinates form: set (both), clear (neither) or refuse (one), back to the store page."""
    from yunying.org.scope import stores_visible_to

    store = stores_visible_to(request.user).filter(code=code).first()
    if store is None:
        raise Http404(_("找不到门店“%(code)s”。") % {"code": code})
    try:
        location = services.store_location_save(
            actor=request.user,
            store=store,
            latitude=request.POST.get("latitude"),
            longitude=request.POST.get("longitude"),
        )
    except (DomainError, PermissionDenied) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("门店坐标已保存。") if location else _("门店坐标已清除。"))
    return redirect("org:store", code=store.code)


@login_required
def plan_calendar(request: HttpRequest) -> HttpResponse:
    """巡店计划: the month calendar of planned visits (planned / done / overdue), each store's coverage of
    the half months, adding and removing a plan, and the proposal that fills the gaps."""
    from yunying.inspections import planning

    if not request.user.has_perm(CONDUCT_PERMISSION):
        raise Http404(_("您没有巡店检查的权限。"))
    month = _month(request.GET.get("month") or request.POST.get("month")) or planning.month_start(
        clock.today()
    )
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "propose":
                created = planning.plan_propose(actor=request.user, month=month)
                messages.success(request, _("已自动安排 %(n)d 次巡店。") % {"n": len(created)})
            elif action == "remove":
                pk = request.POST.get("plan", "")
                planning.plan_remove(
                    actor=request.user,
                    plan=planning.plan_get(user=request.user, pk=int(pk) if pk.isdigit() else 0),
                )
                messages.success(request, _("已删除巡店计划。"))
            else:
                store = (
                    selectors.stores_to_inspect(request.user)
                    .filter(code=request.POST.get("store", ""))
                    .first()
                )
                day = _date(request.POST.get("date"))
                if store is None:
                    raise DomainError(_("请选择管辖范围内的门店。"))
                if day is None:
                    raise DomainError(_("请选择日期。"))
                key = request.POST.get("template", "")
                planning.plan_add(
                    actor=request.user,
                    store=store,
                    planned_on=day,
                    template=selectors.template_get(key=key) if key else None,
                    announced=request.POST.get("announced") == "1",
                )
                messages.success(
                    request, _("已安排巡店：%(store)s %(date)s") % {"store": store.name, "date": day}
                )
                month = planning.month_start(day)
        except DomainError as exc:
            messages.error(request, str(exc))
        return redirect(f"{reverse('inspections:plan')}?month={month:%Y-%m}")
    plan = planning.month_plan(user=request.user, month=month)
    context = {
        "plan": plan,
        "previous": planning.month_start(month - dt.timedelta(days=1)),
        "next": planning.month_end(month) + dt.timedelta(days=1),
        "stores": selectors.stores_to_inspect(request.user),
        "templates": selectors.template_list(),
        "today": clock.today(),
        "short": [row for row in plan.coverage if row.short],
        "weekdays": [_("一"), _("二"), _("三"), _("四"), _("五"), _("六"), _("日")],
        "nav_active": "insp-plan",
    }
    return render(request, "inspections/plan.html", context)


def _calibration_for(user: Any, month: dt.date) -> Any:
    """Scoring calibration for the management department (those who grade the month), else None."""
    from yunying.inspections import quality
    from yunying.inspections.calibration import calibration_compute

    if not user.has_perm(quality.PERMISSION):
        return None
    return calibration_compute(user=user, month=month)
