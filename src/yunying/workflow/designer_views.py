"""Process designer pages (bpmn-js modeler), version history with a diff of steps, and a diagram preview.

Thin adapters over ``workflow.services.definition_deploy`` and ``workflow.selectors``; the modeler and its
properties panel run in the browser (``web/static_src/bpmn-designer.js``)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from lxml import etree

from yunying.core.errors import DomainError, NotFound
from yunying.org import selectors as org_selectors
from yunying.workflow import deploy, selectors, services
from yunying.workflow.models import PROCESS_ICONS

DESIGN_PERMISSIONS = ("workflow.add_processdefinition", "workflow.deploy_process")
MAX_BPMN_BYTES = 2 * 1024 * 1024
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"

# Names of BPMN element types, for the properties panel and the refusal list (keys: XML local names).
ELEMENT_TYPE_NAMES: dict[str, Any] = {
    "process": gettext_lazy("流程"),
    "collaboration": gettext_lazy("协作图"),
    "participant": gettext_lazy("泳池"),
    "lane": gettext_lazy("泳道"),
    "startEvent": gettext_lazy("开始事件"),
    "endEvent": gettext_lazy("结束事件"),
    "intermediateCatchEvent": gettext_lazy("中间捕获事件"),
    "intermediateThrowEvent": gettext_lazy("中间抛出事件"),
    "boundaryEvent": gettext_lazy("边界事件"),
    "task": gettext_lazy("任务"),
    "userTask": gettext_lazy("用户任务"),
    "manualTask": gettext_lazy("人工任务"),
    "serviceTask": gettext_lazy("服务任务"),
    "scriptTask": gettext_lazy("脚本任务"),
    "sendTask": gettext_lazy("发送任务"),
    "receiveTask": gettext_lazy("接收任务"),
    "businessRuleTask": gettext_lazy("业务规则任务"),
    "callActivity": gettext_lazy("调用活动"),
    "subProcess": gettext_lazy("子流程"),
    "adHocSubProcess": gettext_lazy("自由子流程"),
    "transaction": gettext_lazy("事务子流程"),
    "exclusiveGateway": gettext_lazy("排他网关"),
    "parallelGateway": gettext_lazy("并行网关"),
    "inclusiveGateway": gettext_lazy("包容网关"),
    "eventBasedGateway": gettext_lazy("事件网关"),
    "complexGateway": gettext_lazy("复杂网关"),
    "sequenceFlow": gettext_lazy("顺序流"),
    "messageFlow": gettext_lazy("消息流"),
    "dataObjectReference": gettext_lazy("数据对象"),
    "dataStoreReference": gettext_lazy("数据存储"),
    "textAnnotation": gettext_lazy("注释"),
    "group": gettext_lazy("分组"),
    "compensateEventDefinition": gettext_lazy("补偿事件"),
    "linkEventDefinition": gettext_lazy("链接事件"),
    "expression": gettext_lazy("表达式"),
}


# The modeler's own texts (palette, context pad, change-element menu), for users reading Chinese.
BPMN_UI_TEXTS: dict[str, Any] = {
    "Activate hand tool": gettext_lazy("平移画布"),
    "Activate lasso tool": gettext_lazy("框选"),
    "Activate create/remove space tool": gettext_lazy("插入/删除空白"),
    "Activate global connect tool": gettext_lazy("连线"),
    "Create start event": gettext_lazy("开始事件"),
    "Create intermediate/boundary event": gettext_lazy("中间/边界事件"),
    "Create end event": gettext_lazy("结束事件"),
    "Create gateway": gettext_lazy("网关"),
    "Create task": gettext_lazy("任务"),
    "Create data object reference": gettext_lazy("数据对象"),
    "Create data store reference": gettext_lazy("数据存储"),
    "Create expanded sub-process": gettext_lazy("子流程"),
    "Create pool/participant": gettext_lazy("泳池"),
    "Create group": gettext_lazy("分组"),
    "Append end event": gettext_lazy("接结束事件"),
    "Append gateway": gettext_lazy("接网关"),
    "Append task": gettext_lazy("接任务"),
    "Create user task": gettext_lazy("审批任务（有人处理）"),
    "Append user task": gettext_lazy("接审批任务（有人处理）"),
    "Append intermediate/boundary event": gettext_lazy("接中间事件"),
    "Append receive task": gettext_lazy("接接收任务"),
    "Append message intermediate catch event": gettext_lazy("接消息捕获事件"),
    "Append timer intermediate catch event": gettext_lazy("接定时事件"),
    "Append conditional intermediate catch event": gettext_lazy("接条件事件"),
    "Append signal intermediate catch event": gettext_lazy("接信号事件"),
    "Append compensation activity": gettext_lazy("接补偿活动"),
    "Add text annotation": gettext_lazy("添加注释"),
    "Add lane above": gettext_lazy("在上方加泳道"),
    "Add lane below": gettext_lazy("在下方加泳道"),
    "Divide into two lanes": gettext_lazy("分成两条泳道"),
    "Divide into three lanes": gettext_lazy("分成三条泳道"),
    "Change element": gettext_lazy("更改类型"),
    "Connect to other element": gettext_lazy("连接到其他元素"),
    "Connect using association": gettext_lazy("用关联连接"),
    "Connect using data input association": gettext_lazy("用数据输入连接"),
    "Delete": gettext_lazy("删除"),
    "Task": gettext_lazy("任务"),
    "User task": gettext_lazy("用户任务"),
    "Manual task": gettext_lazy("人工任务"),
    "Service task": gettext_lazy("服务任务"),
    "Script task": gettext_lazy("脚本任务"),
    "Send task": gettext_lazy("发送任务"),
    "Receive task": gettext_lazy("接收任务"),
    "Business rule task": gettext_lazy("业务规则任务"),
    "Call activity": gettext_lazy("调用活动"),
    "Sub-process (collapsed)": gettext_lazy("子流程（折叠）"),
    "Sub-process (expanded)": gettext_lazy("子流程（展开）"),
    "Exclusive gateway": gettext_lazy("排他网关"),
    "Parallel gateway": gettext_lazy("并行网关"),
    "Inclusive gateway": gettext_lazy("包容网关"),
    "Event-based gateway": gettext_lazy("事件网关"),
    "Complex gateway": gettext_lazy("复杂网关"),
    "Start event": gettext_lazy("开始事件"),
    "End event": gettext_lazy("结束事件"),
    "Terminate end event": gettext_lazy("终止结束事件"),
    "Timer start event": gettext_lazy("定时开始事件"),
    "Message start event": gettext_lazy("消息开始事件"),
    "Timer intermediate catch event": gettext_lazy("定时中间事件"),
    "Timer boundary event": gettext_lazy("定时边界事件"),
    "Timer boundary event (non-interrupting)": gettext_lazy("定时边界事件（不中断）"),
    "Message intermediate catch event": gettext_lazy("消息捕获事件"),
    "Intermediate throw event": gettext_lazy("中间抛出事件"),
    "Sequence flow": gettext_lazy("顺序流"),
    "Default flow": gettext_lazy("默认流向"),
    "Conditional flow": gettext_lazy("条件流向"),
    "Parallel multi-instance": gettext_lazy("并行多实例（会签）"),
    "Sequential multi-instance": gettext_lazy("顺序多实例（依次审批）"),
    "Loop": gettext_lazy("循环"),
    "Search in diagram": gettext_lazy("在图中搜索"),
}


def _type_name(local_name: str) -> str:
    return str(ELEMENT_TYPE_NAMES.get(local_name, ""))


def _can_design(user: Any) -> bool:
    return any(user.has_perm(p) for p in DESIGN_PERMISSIONS)


def _require_designer(request: HttpRequest) -> None:
    if not _can_design(request.user):
        raise PermissionDenied(_("你没有设计流程的权限。"))


class DeployForm(forms.Form):
    key = forms.RegexField(
        label=gettext_lazy("流程标识"),
        max_length=64,
        min_length=2,
        regex=r"^[a-z0-9][a-z0-9_-]*$",
        error_messages={"invalid": gettext_lazy("只用小写字母、数字、- 和 _，以字母或数字开头。")},
        help_text=gettext_lazy("英文标识，部署后不可更改，如 purchase-request"),
    )
    name = forms.CharField(label=gettext_lazy("流程名称"), max_length=100)
    category = forms.CharField(label=gettext_lazy("分类"), max_length=50, required=False)
    description = forms.CharField(label=gettext_lazy("说明"), required=False, max_length=2000)
    icon = forms.ChoiceField(label=gettext_lazy("图标"), required=False)
    starter_positions = forms.MultipleChoiceField(label=gettext_lazy("可发起岗位"), required=False)
    starter_units = forms.MultipleChoiceField(label=gettext_lazy("可发起单位"), required=False)
    bpmn_xml = forms.CharField(required=False, widget=forms.HiddenInput, strip=False)
    # The process to run when the diagram holds several (the deploy dialog's chooser).
    process = forms.CharField(required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from yunying.org.models import OrgUnit

        cast(forms.ChoiceField, self.fields["icon"]).choices = [
            (k, f"{v[1]} {v[0]}") for k, v in PROCESS_ICONS.items()
        ]
        cast(forms.ChoiceField, self.fields["starter_positions"]).choices = [
            (p.code, f"{p.display_name}（{p.code}）")
            for p in org_selectors.position_list().order_by("sort_order", "code")
        ]
        cast(forms.ChoiceField, self.fields["starter_units"]).choices = [
            (u.code, f"{u.name}（{u.code}）") for u in OrgUnit.objects.order_by("sort_order", "code")
        ]

    def clean_bpmn_xml(self) -> str:
        xml: str = self.cleaned_data.get("bpmn_xml") or ""
        if not xml.strip():
            raise forms.ValidationError(_("没有收到流程图。"))
        if len(xml.encode("utf-8")) > MAX_BPMN_BYTES:
            raise forms.ValidationError(_("流程图文件过大（上限 2 MB）。"))
        return xml


def starting_diagram() -> str:
    """A new process: start → one user task → end, named in the user's language."""
    start, task, end = _("发起"), _("审批"), _("结束")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
  xmlns:yunying="http://yunying.dev/schema/bpmn/1.0"
  id="Definitions_1" targetNamespace="http://yunying.dev/processes">
  <bpmn:process id="Process_1" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" name="{start}">
      <bpmn:outgoing>Flow_1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:userTask id="Task_1" name="{task}" yunying:assignee="superior">
      <bpmn:incoming>Flow_1</bpmn:incoming>
      <bpmn:outgoing>Flow_2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="EndEvent_1" name="{end}">
      <bpmn:incoming>Flow_2</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Task_1" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_1" targetRef="EndEvent_1" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="Process_1">
      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1">
        <dc:Bounds x="152" y="102" width="36" height="36" />
        <bpmndi:BPMNLabel><dc:Bounds x="157" y="145" width="26" height="14" /></bpmndi:BPMNLabel>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Task_1_di" bpmnElement="Task_1">
        <dc:Bounds x="250" y="80" width="100" height="80" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="EndEvent_1_di" bpmnElement="EndEvent_1">
        <dc:Bounds x="422" y="102" width="36" height="36" />
        <bpmndi:BPMNLabel><dc:Bounds x="427" y="145" width="26" height="14" /></bpmndi:BPMNLabel>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="Flow_1_di" bpmnElement="Flow_1">
        <di:waypoint x="188" y="120" /><di:waypoint x="250" y="120" />
      </bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="Flow_2_di" bpmnElement="Flow_2">
        <di:waypoint x="350" y="120" /><di:waypoint x="422" y="120" />
      </bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def _element_names(xml: str) -> dict[str, tuple[str, str]]:
    """``{id: (name, local type)}`` of every BPMN element in a document (for a readable refusal list)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(xml.encode("utf-8"), parser)
    except (etree.XMLSyntaxError, ValueError):
        return {}
    found: dict[str, tuple[str, str]] = {}
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        qname = etree.QName(node.tag)
        eid = node.get("id")
        if eid and qname.namespace == BPMN_NS:
            found[eid] = (node.get("name") or "", qname.localname)
    return found


def _refusal(exc: Exception, xml: str) -> dict[str, Any]:
    names = _element_names(xml)
    reasons = getattr(exc, "reasons", {}) or {}
    elements = [
        {
            "id": eid,
            "type": etype,
            "type_name": _type_name(etype),
            "name": names.get(eid, ("", ""))[0],
            "reason": reasons.get(eid, ""),
        }
        for eid, etype in getattr(exc, "elements", [])
    ]
    problems = []
    for eid, message in getattr(exc, "problems", []):
        name, etype = names.get(eid, ("", ""))
        problems.append(
            {"id": eid, "message": message, "name": name, "type": etype, "type_name": _type_name(etype)}
        )
    highlight = sorted({e["id"] for e in elements} | {p["id"] for p in problems})
    return {"message": str(exc), "elements": elements, "problems": problems, "highlight": highlight}


def _published_forms(user: Any) -> list[dict[str, Any]]:
    """Forms a step can use (published forms of the forms app), offered in the properties panel."""
    if not apps.is_installed("yunying.forms"):
        return []
    from yunying.forms import selectors as form_selectors
    from yunying.forms.models import FormVersion
    from yunying.forms.schema import schema_of

    definitions = form_selectors.form_definition_list(user=user).filter(published_number__isnull=False)  # type: ignore[misc]
    versions = {
        (v.definition_id, v.number): v
        for v in FormVersion.objects.filter(definition__in=definitions, is_published=True)
    }
    out = []
    for d in definitions:
        version = versions.get((d.pk, int(getattr(d, "published_number", 0) or 0)))
        fields = [
            {
                "key": f.key,
                "label": f.label,
                "type": f.type,
                "choices": [{"value": c.value, "label": c.label} for c in f.choices],
            }
            for f in (schema_of(version) if version else ())
        ]
        out.append({"key": d.key, "name": d.display_name, "fields": fields})
    return out


def _designer_config(request: HttpRequest, highlight: list[str] | None = None) -> dict[str, Any]:
    positions = [
        {"code": p.code, "name": p.display_name, "unit_kind": p.unit_kind}
        for p in org_selectors.position_list().order_by("sort_order", "code")
    ]
    units = [
        {"code": u.code, "name": u.name, "kind": u.kind}
        for u in org_selectors.unit_list(user=request.user).exclude(kind="store")
    ]
    type_names = {f"bpmn:{k[0].upper()}{k[1:]}": str(v) for k, v in ELEMENT_TYPE_NAMES.items()}
    ui_texts = (
        {k: str(v) for k, v in BPMN_UI_TEXTS.items()} if (get_language() or "").startswith("zh") else {}
    )
    return {
        "positions": positions,
        "units": units,
        "typeNames": type_names,
        "uiTexts": ui_texts,
        "forms": _published_forms(request.user),
        "highlight": highlight or [],
    }


def _render_designer(
    request: HttpRequest,
    *,
    form: DeployForm,
    xml: str,
    definition: Any = None,
    version: Any = None,
    refusal: dict[str, Any] | None = None,
    status: int = 200,
    warnings: list[dict[str, str]] | None = None,
    dmn_texts: list[str] | None = None,
    bpmn_texts: list[str] | None = None,
) -> HttpResponse:
    config = _designer_config(request, refusal["highlight"] if refusal else None)
    context = {
        "process_choices": deploy.process_choices(xml),
        "warnings": warnings or [],
        "dmn_texts": dmn_texts or [],
        "bpmn_texts": bpmn_texts or [],
        "form": form,
        "definition": definition,
        "version": version,
        "bpmn_xml": xml,
        "config": config,
        "units": config["units"],
        "refusal": refusal,
        "nav_active": "designer",
    }
    return render(request, "workflow/designer.html", context, status=status)


def _deploy(request: HttpRequest, form: DeployForm, *, definition: Any = None) -> HttpResponse:
    """POST of the designer: deploy the diagram; on refusal show the precise list and keep the diagram."""
    xml = request.POST.get("bpmn_xml", "")
    if not form.is_valid():
        return _render_designer(
            request, form=form, xml=xml or starting_diagram(), definition=definition, status=400
        )
    data = form.cleaned_data
    key = definition.key if definition is not None else data["key"]
    if definition is None:
        try:
            selectors.definition_get(user=request.user, key=key)
        except NotFound:
            pass
        else:
            form.add_error("key", _("已有流程使用这个标识；请换一个，或在列表中编辑该流程。"))
            return _render_designer(request, form=form, xml=xml, status=400)
    dmn_files = [f.read() for f in request.FILES.getlist("dmn_files")]
    # DMN files of the first post come back with the confirmation as text (file inputs do not).
    dmn_files += [t.encode("utf-8") for t in request.POST.getlist("dmn_text") if t.strip()]
    # Processes the diagram's call activities name, in further BPMN files (kept the same way).
    bpmn_files = [f.read() for f in request.FILES.getlist("bpmn_files")]
    bpmn_files += [t.encode("utf-8") for t in request.POST.getlist("bpmn_text") if t.strip()]
    confirmed = request.POST.get("confirm") == "1"
    try:
        version = services.definition_deploy(
            actor=request.user,
            key=key,
            name=data["name"],
            bpmn_xml=data["bpmn_xml"].encode("utf-8"),
            category=data["category"],
            description=data["description"],
            dmn_files=dmn_files or None,
            bpmn_files=bpmn_files or None,
            process_id=data["process"] or None,
            icon=data["icon"],
            starter_positions=data["starter_positions"],
            starter_units=data["starter_units"],
            dry_run=not confirmed,
        )
        if not confirmed:
            warnings = [{"id": eid, "message": msg} for eid, msg in version.spec.get("warnings", [])]
            if warnings:  # shown before the designer confirms; nothing stored yet
                return _render_designer(
                    request,
                    form=form,
                    xml=xml,
                    definition=definition,
                    warnings=warnings,
                    dmn_texts=[d.decode("utf-8", "replace") for d in dmn_files],
                    bpmn_texts=[d.decode("utf-8", "replace") for d in bpmn_files],
                )
            version = services.definition_deploy(
                actor=request.user,
                key=key,
                name=data["name"],
                bpmn_xml=data["bpmn_xml"].encode("utf-8"),
                category=data["category"],
                description=data["description"],
                dmn_files=dmn_files or None,
                bpmn_files=bpmn_files or None,
                process_id=data["process"] or None,
                icon=data["icon"],
                starter_positions=data["starter_positions"],
                starter_units=data["starter_units"],
            )
    except services.DeployRefused as exc:
        return _render_designer(
            request, form=form, xml=xml, definition=definition, refusal=_refusal(exc, xml), status=400
        )
    except DomainError as exc:
        refusal = {"message": str(exc), "elements": [], "problems": [], "highlight": []}
        return _render_designer(
            request, form=form, xml=xml, definition=definition, refusal=refusal, status=400
        )
    messages.success(
        request, _("已部署“%(name)s”第 %(number)s 版。") % {"name": data["name"], "number": version.number}
    )
    return redirect("workflow:designer-versions", key=key)


# --------------------------------------------------------------------------- pages
@login_required
def designer_list(request: HttpRequest) -> HttpResponse:
    _require_designer(request)
    rows = []
    for definition in selectors.definition_list(user=request.user):
        versions = list(selectors.version_list(definition))
        rows.append(
            {"definition": definition, "versions": versions, "latest": versions[0] if versions else None}
        )
    return render(request, "workflow/designer_list.html", {"rows": rows, "nav_active": "designer"})


@login_required
@require_http_methods(["GET", "POST"])
def designer_new(request: HttpRequest) -> HttpResponse:
    _require_designer(request)
    if request.method == "POST":
        return _deploy(request, DeployForm(request.POST))
    return _render_designer(request, form=DeployForm(), xml=starting_diagram())


@login_required
@require_http_methods(["GET", "POST"])
def designer_edit(request: HttpRequest, key: str) -> HttpResponse:
    _require_designer(request)
    definition = selectors.definition_get(user=request.user, key=key)
    if request.method == "POST":
        post = request.POST.copy()
        post["key"] = definition.key
        return _deploy(request, DeployForm(post), definition=definition)
    number = request.GET.get("version")
    version = selectors.version_get(
        user=request.user, key=key, version=int(number) if number and number.isdigit() else None
    )
    form = DeployForm(
        initial={
            "key": definition.key,
            "name": definition.name,
            "category": definition.category,
            "description": definition.description,
            "icon": definition.icon,
            "starter_positions": [p.code for p in definition.starter_positions.all()],
            "starter_units": [u.code for u in definition.starter_units.all()],
            "process": version.process_id,
        }
    )
    return _render_designer(request, form=form, xml=version.bpmn_xml, definition=definition, version=version)


@login_required
def designer_versions(request: HttpRequest, key: str) -> HttpResponse:
    _require_designer(request)
    definition = selectors.definition_get(user=request.user, key=key)
    versions = list(selectors.version_list(definition))
    by_number = {v.number: v for v in versions}

    def pick(name: str, default: Any) -> Any:
        raw = request.GET.get(name, "")
        return by_number.get(int(raw)) if raw.isdigit() and int(raw) in by_number else default

    shown = pick("v", versions[0] if versions else None)
    diff_b = pick("b", versions[0] if versions else None)
    diff_a = pick("a", versions[1] if len(versions) > 1 else None)
    diff = None
    if diff_a is not None and diff_b is not None and diff_a != diff_b:
        diff = _diff_rows(selectors.version_diff(diff_a, diff_b))
    context = {
        "definition": definition,
        "versions": versions,
        "shown": shown,
        "diff_a": diff_a,
        "diff_b": diff_b,
        "diff": diff,
        "nav_active": "designer",
    }
    return render(request, "workflow/designer_versions.html", context)


# What changed in a step, in the designer's words (keys of ``version_diff``'s "changes").
CHANGE_NAMES: dict[str, Any] = {
    "name": gettext_lazy("名称"),
    "type": gettext_lazy("类型"),
    "condition": gettext_lazy("条件"),
    "from": gettext_lazy("起点"),
    "to": gettext_lazy("终点"),
    "yunying:form": gettext_lazy("表单"),
    "yunying:fields": gettext_lazy("简易字段"),
    "yunying:assignee": gettext_lazy("处理人"),
    "yunying:due": gettext_lazy("处理时限"),
    "yunying:cc": gettext_lazy("抄送"),
    "yunying:ifEmpty": gettext_lazy("找不到处理人时"),
}


def _short(value: Any) -> str:
    text = "—" if value in (None, "") else str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _step_label(step: Any) -> dict[str, str]:
    """One row of ``version_diff``: ``{"id", "type", "name", "changes": {what: [old, new]}}``."""
    if not isinstance(step, dict):
        return {"id": str(step), "name": "", "type": "", "type_name": "", "changes": ""}
    etype = str(step.get("type") or "")
    changes = step.get("changes") or {}
    if isinstance(changes, dict):
        described = "；".join(
            f"{CHANGE_NAMES.get(key, key)}: {_short(pair[0])} → {_short(pair[1])}"
            if isinstance(pair, list | tuple) and len(pair) == 2
            else f"{CHANGE_NAMES.get(key, key)}: {_short(pair)}"
            for key, pair in changes.items()
        )
    else:
        described = "；".join(str(c) for c in changes)
    return {
        "id": str(step.get("id", "")),
        "name": str(step.get("name") or ""),
        "type": etype,
        "type_name": _type_name(etype),
        "changes": described,
    }


def _diff_rows(diff: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    return {
        kind: [_step_label(s) for s in diff.get(kind, []) or []] for kind in ("added", "removed", "changed")
    }


@login_required
@require_http_methods(["GET", "POST"])
def designer_preview(request: HttpRequest) -> HttpResponse:
    """Open a .bpmn file (from Camunda Modeler, Signavio, …) read-only in the viewer, before deploying it."""
    _require_designer(request)
    xml, filename, error = "", "", ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = _("请选择一个 BPMN 文件。")
        elif upload.size and upload.size > MAX_BPMN_BYTES:
            error = _("流程图文件过大（上限 2 MB）。")
        else:
            filename = upload.name or ""
            raw = upload.read()
            try:
                xml = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                error = _("文件不是 UTF-8 编码的 BPMN（XML）文件。")
    context = {"bpmn_xml": xml, "filename": filename, "error": error, "nav_active": "designer"}
    return render(request, "workflow/designer_preview.html", context, status=400 if error else 200)


@login_required
def designer_download(request: HttpRequest, key: str, number: int) -> HttpResponse:
    _require_designer(request)
    version = selectors.version_get(user=request.user, key=key, version=number)
    response = HttpResponse(version.bpmn_xml, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{key}-v{version.number}.bpmn"'
    return response
