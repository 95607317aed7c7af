"""Workflow pages (HTMX + Tabler): thin adapters over selectors/services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yunying.core import clock
from yunying.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from yunying.workflow import attachments as attachments_mod
from yunying.workflow import authority as authority_mod
from yunying.workflow import inbox as inbox_mod
from yunying.workflow import monitor as monitor_mod
from yunying.workflow import people as people_mod
from yunying.workflow import preview as preview_mod
from yunying.workflow import selectors, services
from yunying.workflow.actions import is_paused, may_act, may_claim, return_targets
from yunying.workflow.actions_instance import can_withdraw, is_requester_turn
from yunying.workflow.deploy import can_deploy
from yunying.workflow.forms_bridge import StepForm, render_plain
from yunying.workflow.models import AuthorityRule, Delegation, SignerMode, TaskKind, TaskStatus, WorkTask
from yunying.workflow.policy import flag
from yunying.workflow.redaction import redact
from yunying.workflow.start import start_form


def _attempt(request: HttpRequest, action: Callable[[], Any], success: str) -> tuple[bool, Any]:
    try:
        action()
    except ValidationFailed as exc:
        messages.error(request, str(exc))
        return False, exc.errors
    except DomainError as exc:
        messages.error(request, str(exc))
        return False, None
    messages.success(request, success)
    return True, None


@login_required
def definitions(request: HttpRequest) -> HttpResponse:
    """The approval center (审批中心): the gallery of processes to start, and "my requests"."""
    from yunying.workflow import center

    tab = "mine" if request.GET.get("tab") == "mine" else "start"
    context: dict[str, Any] = {"tab": tab, "can_deploy": can_deploy(request.user), "nav_active": "wf-start"}
    if tab == "mine":
        state = request.GET.get("state", "")
        rows, total = center.my_requests(user=request.user, state=state, q=request.GET.get("q", ""))
        context.update(requests=rows, total=total, state=state, q=request.GET.get("q", "")[:100])
    else:
        context["gallery"] = center.gallery(user=request.user, q=request.GET.get("q", ""))
    if request.headers.get("HX-Request") and tab == "start":
        return render(request, "workflow/_gallery.html", context)
    return render(request, "workflow/definitions.html", context)


@login_required
def instance_print(request: HttpRequest, instance_id: int) -> HttpResponse:
    """The printable request sheet (申请单): the request's data, where it waits and its approval trail."""
    from yunying.workflow import center

    sheet = center.request_sheet(user=request.user, instance_id=instance_id)
    context = {
        "sheet": sheet,
        "instance": sheet.instance,
        "data_html": _readonly(sheet.instance, request.user),  # a customer's contact masked for non-handlers
        "printed_at": timezone.now(),
    }
    return render(request, "workflow/instance_print.html", context)


@login_required
def definition(request: HttpRequest, key: str) -> HttpResponse:
    the_definition = selectors.definition_get(user=request.user, key=key)
    versions = selectors.version_list(the_definition)
    diff = None
    if len(versions) > 1:
        diff = selectors.version_diff(versions[1], versions[0])
    context = {
        "definition": the_definition,
        "versions": versions,
        "diff": diff,
        "can_start": selectors.can_start(request.user, the_definition),
        "nav_active": "wf-start",
    }
    return render(request, "workflow/definition.html", context)


@login_required
def start(request: HttpRequest, key: str) -> HttpResponse:
    try:
        the_definition = selectors.definition_for_start(user=request.user, key=key)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("workflow:definitions")
    version = selectors.version_get(user=request.user, key=key)
    form = start_form(version)
    data: dict[str, Any] = {}
    errors: Any = None
    if request.method == "GET" and any(k.startswith("f_") for k in request.GET):
        given = form.posted(request.GET)[0]  # a link that pre-fills the form (e.g. 报修 from an asset)
        data = {k: v for k, v in given.items() if f"f_{k}" in request.GET}
    if request.method == "POST":
        data, files = form.posted(request.POST, request.FILES)
        created: list[Any] = []
        ok, errors = _attempt(
            request,
            lambda: created.append(
                services.instance_start(
                    actor=request.user,
                    key=key,
                    data=data,
                    files=files,
                    attachments=request.FILES.getlist("attachments"),
                    title=request.POST.get("title", ""),
                )
            ),
            _("已发起。"),
        )
        if ok:
            return redirect("workflow:instance", instance_id=created[0].pk)
    context = {
        "definition": the_definition,
        "version": version,
        "form_html": form.render(data, errors, prefix="f_", user=request.user),
        "preview": preview_mod.approver_preview(user=request.user, key=key, data=data)
        if data and request.method == "POST"
        else None,
        "nav_active": "wf-start",
    }
    return render(request, "workflow/start.html", context)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("tab", "todo")
    filters = inbox_mod.InboxFilters.from_query(request.GET)
    page = inbox_mod.inbox_page(user=request.user, tab=tab, filters=filters)
    context = {
        "page": page,
        "tab": page.tab,
        "filters": filters,
        "definitions": selectors.definition_list(user=request.user),
        "nav_active": "wf-inbox",
        "now": timezone.now(),
        "confirm_actions": flag("workflow.confirm_actions"),
    }
    template = "workflow/_inbox_list.html" if request.headers.get("HX-Request") else "workflow/inbox.html"
    return render(request, template, context)


@login_required
@require_POST
def bulk_approve(request: HttpRequest) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("task") if i.isdigit()]
    results = services.tasks_bulk_approve(
        actor=request.user, task_ids=ids, comment=request.POST.get("comment", "")
    )
    ok = sum(1 for r in results if r["ok"])
    if ok:
        messages.success(request, _("已同意 %(n)d 项。") % {"n": ok})
    for r in results:
        if not r["ok"]:
            messages.error(request, f"#{r['id']}：{r['detail']}")
    return redirect(f"{request.path.rsplit('/bulk/', 1)[0]}/?tab=todo")


def _task_action(request: HttpRequest, task_id: int, form: StepForm) -> tuple[bool, Any]:
    action = request.POST.get("action", "")
    comment = request.POST.get("comment", "")
    user = request.user
    data, files = form.posted(request.POST, request.FILES)
    attachments = request.FILES.getlist("attachments")
    if action == "approve":
        call: Callable[[], Any] = lambda: services.task_approve(  # noqa: E731
            actor=user,
            task_id=task_id,
            data=data,
            comment=comment,
            files=files,
            attachments=attachments,
        )
        done = _("已同意。")
    elif action == "resubmit":
        call = lambda: services.task_resubmit(  # noqa: E731
            actor=user, task_id=task_id, data=data, comment=comment, files=files, attachments=attachments
        )
        done = _("已重新提交。")
    else:
        call = lambda: services.task_complete(  # noqa: E731
            actor=user,
            task_id=task_id,
            action=action,
            comment=comment,
            to=request.POST.get("to", ""),
            user=request.POST.get("user", ""),
            mode=request.POST.get("mode", ""),
            attachments=attachments,
        )
        done = {
            "reject": _("已驳回。"),
            "return": _("已退回。"),
            "transfer": _("已转交。"),
            "add_signer": _("已加签。"),
            "claim": _("已接收。"),
        }.get(action, _("已处理。"))
    return _attempt(request, call, done)


@login_required
def task(request: HttpRequest, task_id: int) -> HttpResponse:
    the_task = selectors.task_get(user=request.user, task_id=task_id)
    instance = the_task.instance
    props = instance.version.properties.get(the_task.element_id, {})
    form = start_form(instance.version) if the_task.kind == TaskKind.RESUBMIT else StepForm.of(props)
    errors: Any = None
    posted: dict[str, Any] = {}
    if request.method == "POST":
        ok, errors = _task_action(request, task_id, form)
        if ok:
            if request.POST.get("action") == "claim":
                return redirect("workflow:task", task_id=task_id)
            return redirect(f"{_inbox_url()}?tab=todo")
        posted = form.posted(request.POST)[0]
    the_task.refresh_from_db()
    initial = posted or (instance.data if the_task.kind == TaskKind.RESUBMIT else {})
    paused = is_paused(the_task, instance)
    context = {
        "task": the_task,
        "instance": instance,
        "paused": paused,
        "can_act": not paused and may_act(request.user, the_task),
        "can_claim": not paused and may_claim(request.user, the_task),
        "form_html": form.render(initial, errors, prefix="f_", user=request.user),
        "data_html": _readonly(instance, request.user),
        "events": selectors.instance_events(instance),
        "attachments": instance.attachments.select_related("uploaded_by", "task"),
        "targets": return_targets(instance, the_task),
        "signer_modes": SignerMode.choices,
        "waiting_for": _waiting_for(the_task),
        "confirm_actions": flag("workflow.confirm_actions"),
        "reject_needs_reason": flag("workflow.reject_needs_reason"),
        "return_needs_reason": flag("workflow.return_needs_reason"),
        "nav_active": "wf-inbox",
    }
    return render(request, "workflow/task.html", context)


def _waiting_for(task: Any) -> list[Any]:
    """On a task waiting for a 加签 (on hold): the open signer tasks it waits for."""
    if task.status != TaskStatus.ON_HOLD:
        return []
    return list(
        task.instance.tasks.filter(parent=task, kind=TaskKind.SIGNER, status=TaskStatus.OPEN).select_related(
            "assignee"
        )
    )


@login_required
def people(request: HttpRequest) -> HttpResponse:
    """The 转交/加签 person picker's answer: people the user may pick matching ``q`` (HTMX fragment)."""
    found = people_mod.person_search(request.user, request.GET.get("q", ""))
    return render(request, "workflow/_people.html", {"people": found, "q": request.GET.get("q", "")})


@login_required
def start_preview(request: HttpRequest, key: str) -> HttpResponse:
    """预计审批人 for the start form as filled so far (HTMX fragment; the form's fields as query)."""
    version = selectors.version_get(user=request.user, key=key)
    data, _files = start_form(version).posted(request.GET)
    try:
        found = preview_mod.approver_preview(user=request.user, key=key, data=data)
    except PermissionDenied:
        raise Http404 from None
    return render(request, "workflow/_preview.html", {"preview": found})


def _file_response(served: attachments_mod.Served) -> FileResponse:
    response = FileResponse(
        served.file,
        as_attachment=not served.inline,
        filename=served.name,
        content_type=served.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    """An attachment, to whoever sees its request (404 for everyone else)."""
    try:
        served = attachments_mod.attachment_open(user=request.user, attachment_id=attachment_id)
    except NotFound:
        raise Http404(_("找不到该附件。")) from None
    return _file_response(served)


@login_required
def instance_file(request: HttpRequest, instance_id: int, token: str) -> FileResponse:
    """A file of one of the request's form fields, to whoever sees the request (404 otherwise)."""
    try:
        served = attachments_mod.form_file_open(user=request.user, instance_id=instance_id, token=token)
    except NotFound:
        raise Http404(_("找不到该附件。")) from None
    return _file_response(served)


@login_required
def attachment_thumbnail(request: HttpRequest, attachment_id: int) -> HttpResponse:
    try:
        data = attachments_mod.attachment_thumbnail(user=request.user, attachment_id=attachment_id)
    except NotFound:
        raise Http404(_("找不到该附件。")) from None
    response = HttpResponse(data, content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=86400"
    return response


def _readonly(instance: Any, user: Any) -> Any:
    """The request's start form for reading as ``user`` may (fields the process keeps from non-handlers
    redacted), its files linked through the request's authorised view."""
    from contextlib import nullcontext

    from yunying.workflow.forms_bridge import _forms_api

    linked_by = _forms_api("files_linked_by")
    with linked_by(attachments_mod.file_link(instance.pk)) if linked_by else nullcontext():
        return start_form(instance.version).render_readonly(redact(user, instance, instance.data))


def _template_exists(name: str) -> bool:
    from django.template import TemplateDoesNotExist
    from django.template.loader import get_template

    try:
        get_template(name)
    except TemplateDoesNotExist:
        return False
    return True


def _inbox_url() -> str:
    from django.urls import reverse

    return reverse("workflow:inbox")


@login_required
def instance(request: HttpRequest, instance_id: int) -> HttpResponse:
    the_instance = selectors.instance_get(user=request.user, instance_id=instance_id)
    context = {
        "instance": the_instance,
        "data_html": _readonly(the_instance, request.user),
        "events": selectors.instance_events(the_instance),
        "open_tasks": selectors.instance_open_tasks(the_instance),
        "steps": [t for t in selectors.instance_steps(the_instance) if t.data],
        "attachments": the_instance.attachments.select_related("uploaded_by", "task"),
        "preview": preview_mod.instance_preview(instance=the_instance) if the_instance.is_running else None,
        "confirm_actions": flag("workflow.confirm_actions"),
        "can_withdraw": can_withdraw(request.user, the_instance),
        "can_remind": the_instance.is_running
        and (
            the_instance.requester_id == request.user.pk or request.user.has_perm("workflow.monitor_process")
        ),
        "requester_turn": is_requester_turn(the_instance),
        "task_states": selectors.instance_task_states(the_instance),
        "bpmn_xml": the_instance.version.bpmn_xml,
        "has_viewer": _template_exists("workflow/_diagram_viewer.html"),
        "my_tasks": [
            t
            for t in selectors.instance_open_tasks(the_instance)
            if may_act(request.user, t) or may_claim(request.user, t)
        ],
        "nav_active": "wf-inbox",
    }
    return render(request, "workflow/instance.html", context)


@login_required
@require_POST
def instance_act(request: HttpRequest, instance_id: int) -> HttpResponse:
    action = request.POST.get("action", "")
    comment = request.POST.get("comment", "")
    user = request.user
    calls: dict[str, tuple[Callable[[], Any], str]] = {
        "withdraw": (
            lambda: services.instance_withdraw(actor=user, instance_id=instance_id, comment=comment),
            _("已撤回。"),
        ),
        "remind": (
            lambda: services.instance_remind(actor=user, instance_id=instance_id, comment=comment),
            _("已催办。"),
        ),
        "comment": (
            lambda: services.instance_comment(
                actor=user,
                instance_id=instance_id,
                comment=comment,
                attachments=request.FILES.getlist("attachments"),
            ),
            _("已评论。"),
        ),
        "attach": (
            lambda: services.instance_attach(
                actor=user, instance_id=instance_id, files=request.FILES.getlist("attachments")
            ),
            _("已上传。"),
        ),
    }
    if action in calls:
        _attempt(request, *calls[action])
    return redirect("workflow:instance", instance_id=instance_id)


@login_required
@require_POST
def monitor_act(request: HttpRequest, instance_id: int) -> HttpResponse:
    """The monitor's actions on an instance in error: 重试, 重新指派 (to a login, or one per step:
    ``step:<engine task id>`` fields), 取消."""
    action = request.POST.get("action", "")
    comment = request.POST.get("comment", "")
    user = request.user
    calls: dict[str, tuple[Callable[[], Any], str]] = {
        "retry": (
            lambda: services.instance_retry(actor=user, instance_id=instance_id, comment=comment),
            _("已重试。"),
        ),
        "reassign": (
            lambda: services.instance_reassign(
                actor=user,
                instance_id=instance_id,
                to_user=request.POST.get("user", "").strip() or None,
                comment=comment,
                steps={
                    k.removeprefix("step:"): str(request.POST.get(k, "")).strip()
                    for k in request.POST
                    if k.startswith("step:") and str(request.POST.get(k, "")).strip()
                },
            ),
            _("已重新指派。"),
        ),
        "cancel": (
            lambda: services.instance_cancel(actor=user, instance_id=instance_id, comment=comment),
            _("已取消。"),
        ),
    }
    if action in calls:
        _attempt(request, *calls[action])
    return redirect("workflow:monitor")


@login_required
def monitor(request: HttpRequest) -> HttpResponse:
    if not monitor_mod.can_monitor(request.user):
        raise DjangoPermissionDenied(_("您没有流程监控的权限。"))
    report = monitor_mod.monitor_report(user=request.user, key=request.GET.get("process") or None)
    for instance in report.errors:  # the steps 重新指派 can give to people, one field each
        instance.waiting = monitor_mod.waiting_steps(instance)  # type: ignore[attr-defined]
    from yunying.workflow import monitor_heat

    heat = monitor_heat.heat_for(user=request.user, key=request.GET.get("process") or None)
    from yunying.workflow import sla

    fallback = sla.fallback_tasks(
        WorkTask.objects.filter(instance__in=selectors.instances_visible_to(request.user))
    ).select_related("instance")[:50]
    context = {
        "heat": heat,
        "clock_fallback": list(fallback),
        "late_working": monitor_heat.late_in_working_time(report.late),
        "report": report,
        "definitions": selectors.definition_list(user=request.user),
        "process": request.GET.get("process", ""),
        "nav_active": "wf-monitor",
    }
    return render(request, "workflow/monitor.html", context)


def _delegation_state(d: Delegation) -> str:
    today = clock.today()
    if selectors.delegation_is_current(d, today):
        return "current"
    return "future" if d.is_active and d.starts_on > today else "ended"


@login_required
def delegations(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and request.POST.get("end", "").isdigit():
        delegation_id = int(request.POST["end"])
        _attempt(
            request,
            lambda: services.delegation_end(actor=request.user, delegation_id=delegation_id),
            _("委托已结束。"),
        )
        return redirect("workflow:delegations")
    if request.method == "POST":
        _attempt(request, lambda: _delegation_from_post(request), _("委托已设置。"))
        return redirect("workflow:delegations")
    context = {
        "delegations": [(d, _delegation_state(d)) for d in selectors.delegation_list(user=request.user)],
        "users": selectors.person_choices(exclude=request.user),
        "definitions": selectors.definition_list(user=request.user),
        "nav_active": "wf-inbox",
    }
    return render(request, "workflow/delegations.html", context)


def _delegation_from_post(request: HttpRequest) -> Delegation:
    try:
        starts_on = _posted_date(request, "starts_on") or clock.today()
        ends_on = _posted_date(request, "ends_on")
    except ValueError:
        raise DomainError(_("请输入有效的日期（例如 2026-12-01）。"), field="ends_on")
    return services.delegation_create(
        actor=request.user,
        to_user=selectors.person_get(username=request.POST.get("to_user", "")),
        starts_on=starts_on,
        ends_on=ends_on,
        definition_key=request.POST.get("definition", ""),
    )


def _posted_date(request: HttpRequest, name: str) -> date | None:
    value = request.POST.get(name, "").strip()
    return date.fromisoformat(value) if value else None


@login_required
def authority(request: HttpRequest) -> HttpResponse:
    """The authority matrix and the "who would approve this?" simulator."""
    sim = None
    key = request.GET.get("process", "")
    sample: dict[str, Any] = {}
    if key:
        version = selectors.version_get(user=request.user, key=key)
        sample = {k[2:]: str(v) for k, v in request.GET.items() if k.startswith("f_") and str(v).strip()}
        from yunying.org.selectors import unit_get

        unit_code = request.GET.get("unit", "").strip()
        unit = unit_get(user=request.user, code=unit_code) if unit_code else None  # 404 outside scope
        sim = authority_mod.simulate(
            version=version, requester=request.user, unit=unit, data=authority_mod.sample_values(sample)
        )
    rules = AuthorityRule.objects.select_related("unit").order_by("category", "effective_from", "min_amount")
    context = {
        "rules": rules,
        "simulation": sim,
        "process": key,
        "sample": sample,
        "sample_html": render_plain(sample) if sample else "",
        "definitions": selectors.definition_list(user=request.user),
        "unit_code": request.GET.get("unit", ""),
        "nav_active": "wf-monitor",
    }
    return render(request, "workflow/authority.html", context)
