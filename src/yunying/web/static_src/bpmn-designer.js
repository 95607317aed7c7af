// The process designer: the bpmn-js modeler plus a small properties panel for what Yunying needs
// (the form, assignee and due time of user tasks; conditions and the default flow of gateways).
//
// Everything the user reads comes from the Django template (translatable); this file holds no
// user-facing text. Values are written as yunying:* attributes (see yunying-moddle.json) and as
// standard bpmn:conditionExpression / gateway default, so diagrams round-trip through any modeler.
import BpmnModeler from "bpmn-js/lib/Modeler";
import yunyingModdle from "./yunying-moddle.json";
import { readJson } from "./bpmn-viewer.js";

const TASK_TYPES = ["bpmn:UserTask", "bpmn:ManualTask"];
const FORM_TYPES = [...TASK_TYPES, "bpmn:StartEvent"];
const SPLIT_GATEWAYS = ["bpmn:ExclusiveGateway", "bpmn:InclusiveGateway"];

// ----------------------------------------------------------------------------- new tasks
// A task created from the palette or appended from the context pad is a user task: a plain bpmn:Task
// has nobody and completes by itself, which is never what a designer drawing an approval means.
function UserTaskDefaults(palette, contextPad, create, elementFactory, autoPlace, translate) {
  const shape = () => elementFactory.createShape({ type: "bpmn:UserTask" });
  const start = (event) => create.start(event, shape());
  palette.registerProvider(100, {
    getPaletteEntries: () => (entries) => {
      const entry = entries["create.task"];
      if (entry) {
        entries["create.task"] = {
          ...entry,
          className: "bpmn-icon-user-task",
          title: translate("Create user task"),
          action: { dragstart: start, click: start },
        };
      }
      return entries;
    },
  });
  contextPad.registerProvider(100, {
    getContextPadEntries: () => (entries) => {
      const entry = entries["append.append-task"];
      if (entry) {
        const drag = (event, element) => create.start(event, shape(), { source: element });
        const append = (event, element) => (autoPlace ? autoPlace.append(element, shape()) : drag(event, element));
        entries["append.append-task"] = {
          ...entry,
          className: "bpmn-icon-user-task",
          title: translate("Append user task"),
          action: { click: append, dragstart: drag },
        };
      }
      return entries;
    },
  });
}
UserTaskDefaults.$inject = ["palette", "contextPad", "create", "elementFactory", "autoPlace", "translate"];
export const userTaskModule = { __init__: ["userTaskDefaults"], userTaskDefaults: ["type", UserTaskDefaults] };

// ----------------------------------------------------------------------------- assignee strings
// position:GM · store:STORE-MGR · region:AREA-MGR · superior · superior:2 · user:<name>
// queue:position:SUPERVISOR@D-MGMT · chosen:<field> · anything else is kept as a custom expression.
export function parseAssignee(text) {
  const s = (text || "").trim();
  const base = { kind: "custom", position: "", levels: 1, user: "", unit: "", field: "", category: "" };
  let m;
  if (!s) return { ...base, kind: "" };
  if (s.includes("|")) return base; // alternatives: edited as text
  if ((m = /^position:([^\s:@|]+)(?:@([^\s|]+))?$/.exec(s))) return { ...base, kind: "position", position: m[1], unit: m[2] || "" };
  if ((m = /^(store|region|unit):([^\s:@|]+)$/.exec(s))) return { ...base, kind: m[1], position: m[2] };
  if (s === "superior") return { ...base, kind: "superior", levels: 1 };
  if ((m = /^superior:(\d+)$/.exec(s))) return { ...base, kind: "superior", levels: Number(m[1]) };
  if (s === "requester") return { ...base, kind: "requester" };
  if ((m = /^user:(\S+)$/.exec(s))) return { ...base, kind: "user", user: m[1] };
  if ((m = /^queue:position:([^\s@]+)@(\S+)$/.exec(s))) return { ...base, kind: "queue", position: m[1], unit: m[2] };
  if ((m = /^chosen:(\S+)$/.exec(s))) return { ...base, kind: "chosen", field: m[1] };
  if ((m = /^authority:([^\s:]+)(?::(\S+))?$/.exec(s))) return { ...base, kind: "authority", category: m[1], field: m[2] || "" };
  return base;
}

export function buildAssignee(p) {
  const t = (v) => String(v || "").trim();
  switch (p.kind) {
    case "":
      return "";
    case "position":
      return p.position ? `position:${p.position}${t(p.unit) ? `@${t(p.unit)}` : ""}` : "";
    case "store":
    case "region":
    case "unit":
      return p.position ? `${p.kind}:${p.position}` : "";
    case "superior":
      return !p.levels || Number(p.levels) <= 1 ? "superior" : `superior:${Number(p.levels)}`;
    case "requester":
      return "requester";
    case "user":
      return t(p.user) ? `user:${t(p.user)}` : "";
    case "queue":
      return p.position && t(p.unit) ? `queue:position:${p.position}@${t(p.unit)}` : "";
    case "chosen":
      return t(p.field) ? `chosen:${t(p.field)}` : "";
    case "authority":
      return t(p.category) ? `authority:${t(p.category)}${t(p.field) ? `:${t(p.field)}` : ""}` : "";
    default:
      return null; // custom: keep what is typed
  }
}

// ----------------------------------------------------------------------------- due times
export function parseDue(text) {
  const s = (text || "").trim();
  let m;
  if ((m = /^PT(\d+)H$/.exec(s))) return { amount: m[1], unit: "H" };
  if ((m = /^PT(\d+)M$/.exec(s))) return { amount: m[1], unit: "M" };
  if ((m = /^P(\d+)D$/.exec(s))) return { amount: m[1], unit: "D" };
  return { amount: "", unit: s ? "custom" : "H" };
}

export function buildDue(amount, unit) {
  const n = parseInt(amount, 10);
  if (!n || n < 0) return "";
  if (unit === "H") return `PT${n}H`;
  if (unit === "M") return `PT${n}M`;
  if (unit === "D") return `P${n}D`;
  return null;
}

// ----------------------------------------------------------------------------- the designer
function $(root, sel) {
  return root.querySelector(sel);
}

function field(root, name) {
  return root.querySelector(`[data-field="${name}"]`);
}

function attr(bo, name) {
  const v = bo.get ? bo.get(name) : bo[name];
  return v == null ? "" : String(v);
}

export async function mountDesigner(root) {
  const cfg = readJson(root.dataset.configId) || {};
  const panel = $(root, "[data-role=panel]");
  // The toolbar (upload, download, status) sits in the deploy form, outside the canvas block.
  const toolbar = document.getElementById(root.dataset.formId || "") || document;
  const status = $(toolbar, "[data-role=status]");
  const container = $(root, "[data-role=canvas]");
  // The modeler's own texts (palette, context pad, menus) in the page's language, when the page gives them.
  const uiTexts = cfg.uiTexts || {};
  const translateModule = {
    translate: [
      "value",
      (template, replacements) =>
        (uiTexts[template] || template).replace(/{([^}]+)}/g, (_, key) =>
          replacements && key in replacements ? replacements[key] : `{${key}}`,
        ),
    ],
  };
  const modeler = new BpmnModeler({
    container,
    additionalModules: [translateModule, userTaskModule],
    moddleExtensions: { yunying: yunyingModdle },
  });
  const modeling = modeler.get("modeling");
  const factory = modeler.get("bpmnFactory");
  const moddle = modeler.get("moddle");
  const canvas = modeler.get("canvas");
  const registry = modeler.get("elementRegistry");
  const selection = modeler.get("selection");
  const typeNames = cfg.typeNames || {};
  const positions = cfg.positions || [];
  let current = null; // the element shown in the panel
  let refused = (cfg.highlight || []).slice();

  const say = (key, extra) => {
    if (!status) return;
    const text = status.dataset[key] || "";
    status.textContent = extra ? `${text}${extra}` : text;
    status.className = `small ${key.startsWith("error") ? "text-danger" : "text-secondary"}`;
  };

  // --- importing ------------------------------------------------------------------------------
  async function open(xml) {
    try {
      const { warnings } = await modeler.importXML(xml);
      keepDataRefs(warnings);
      root.dataset.importState = "ok";
      root.dataset.warningCount = String(warnings.length);
      if (warnings.length) console.warn("bpmn import warnings", warnings);
    } catch (err) {
      root.dataset.importState = "error";
      say("errorImport", ` ${err.message || err}`);
      return false;
    }
    // Fit the diagram, leaving room on the left for the palette that floats over the canvas.
    canvas.zoom("fit-viewport", "auto");
    const box = container.getBoundingClientRect();
    const centre = { x: box.width / 2, y: box.height / 2 };
    canvas.zoom(Math.min(canvas.zoom() * 0.84, 1.1), centre);
    canvas.scroll({ dx: 65, dy: 0 });
    markRefused();
    showPanel(null);
    return true;
  }

  function markRefused() {
    for (const id of refused) {
      if (!registry.get(id)) continue;
      canvas.addMarker(id, "yy-refused");
    }
  }

  function clearRefused() {
    for (const id of refused) if (registry.get(id)) canvas.removeMarker(id, "yy-refused");
    refused = [];
    const box = document.querySelector("[data-role=refusal]");
    if (box) box.hidden = true;
  }

  // --- the panel --------------------------------------------------------------------------------
  function section(name, visible) {
    const node = panel.querySelector(`[data-section="${name}"]`);
    if (node) node.hidden = !visible;
  }

  function rootProcess() {
    const rootEl = canvas.getRootElement();
    const bo = rootEl && rootEl.businessObject;
    if (!bo) return null;
    if (bo.$type === "bpmn:Process") return rootEl;
    return null;
  }

  // The process of a selected pool (a collaboration's participant): set in the panel like the root's.
  function poolProcess(el) {
    const bo = el && el.businessObject;
    return bo && bo.$type === "bpmn:Participant" && bo.processRef ? bo.processRef : null;
  }

  function updateProcess(properties) {
    const pool = poolProcess(current);
    if (pool) {
      modeling.updateModdleProperties(current, pool, properties);
      return;
    }
    const proc = rootProcess();
    if (proc) modeling.updateProperties(proc, properties);
  }

  function showPanel(element) {
    current = element || null;
    const el = current;
    const bo = el && el.businessObject;
    const isRoot = !el || el === canvas.getRootElement();
    const type = bo ? bo.$type : "";
    panel.dataset.elementType = isRoot ? "process" : type;
    panel.dataset.elementId = el ? el.id : "";
    section("empty", isRoot && !rootProcess());
    const pool = poolProcess(el);
    section("process", (isRoot && !!rootProcess()) || !!pool);
    section("general", !isRoot);
    section("form", !isRoot && FORM_TYPES.includes(type));
    section("task", !isRoot && TASK_TYPES.includes(type));
    const isFlow = !isRoot && type === "bpmn:SequenceFlow";
    section("flow", isFlow);
    section("system", !isRoot && type === "bpmn:ServiceTask");
    const procBo = pool || (isRoot && rootProcess() ? rootProcess().businessObject : null);
    if (procBo) {
      field(panel, "process-id").value = procBo.id || "";
      field(panel, "process-name").value = attr(procBo, "name");
      field(panel, "process-executable").checked = !!procBo.isExecutable;
    }
    if (isRoot) return;
    field(panel, "type").textContent = typeNames[type] || type.replace("bpmn:", "");
    field(panel, "id").value = bo.id || "";
    field(panel, "name").value = attr(bo, "name");
    if (FORM_TYPES.includes(type)) fillForm(bo);
    if (TASK_TYPES.includes(type)) fillTask(bo);
    if (isFlow) fillFlow(el);
    if (type === "bpmn:ServiceTask") {
      field(panel, "sys-action").value = attr(bo, "yunying:action");
      field(panel, "sys-params").value = attr(bo, "yunying:params");
    }
  }

  function fillForm(bo) {
    field(panel, "form").value = attr(bo, "yunying:form");
    field(panel, "fields").value = attr(bo, "yunying:fields");
    syncFormPick();
  }

  // --- the published forms: a picker for the form key, their fields as hints for conditions ---------
  const formsByKey = new Map((cfg.forms || []).map((f) => [f.key, f]));
  const formPick = field(panel, "form-pick");
  for (const f of cfg.forms || []) {
    const opt = document.createElement("option");
    opt.value = f.key;
    opt.textContent = `${f.name}（${f.key}）`;
    formPick.appendChild(opt);
  }
  function syncFormPick() {
    const key = field(panel, "form").value.trim();
    formPick.value = formsByKey.has(key) ? key : "";
  }
  formPick.addEventListener("change", () => {
    field(panel, "form").value = formPick.value;
    update({ "yunying:form": formPick.value || undefined });
  });

  // Names a step's form gives the data: fields of its published form and its inline fields.
  function formFields(bo) {
    const out = [];
    const form = formsByKey.get(attr(bo, "yunying:form"));
    for (const f of (form && form.fields) || []) {
      out.push({ key: f.key, label: f.label, type: f.type, choices: f.choices || [] });
    }
    for (const part of attr(bo, "yunying:fields").split(/[,，;\n]/)) {
      const bits = part.trim().split(":");
      const key = (bits[0] || "").replace(/\?$/, "").trim();
      if (key) out.push({ key, label: (bits[2] || key).trim(), type: (bits[1] || "text").trim() });
    }
    return out;
  }

  // Fields of the start form and of every step with a form (the engine checks at deploy that a
  // condition only reads fields of steps before it); shown as hints.
  function knownFields() {
    const seen = new Map();
    const steps = registry.filter((e) => FORM_TYPES.includes(e.type));
    steps.sort((a, b) => (a.type === "bpmn:StartEvent" ? -1 : 0) - (b.type === "bpmn:StartEvent" ? -1 : 0));
    for (const el of steps) for (const f of formFields(el.businessObject)) if (!seen.has(f.key)) seen.set(f.key, f);
    return [...seen.values()];
  }

  function showKnownFields() {
    const fields = knownFields();
    const hint = field(panel, "known-fields");
    hint.textContent = fields.length ? `${hint.dataset.label}${fields.map((f) => `${f.key}（${f.label}）`).join("、")}` : "";
    const list = document.getElementById("yy-known-fields");
    if (list) {
      list.innerHTML = "";
      for (const f of fields) {
        const opt = document.createElement("option");
        opt.value = f.key;
        opt.label = f.label;
        list.appendChild(opt);
      }
    }
  }

  function fillTask(bo) {
    field(panel, "assignee").value = attr(bo, "yunying:assignee");
    field(panel, "due").value = attr(bo, "yunying:due");
    for (const el of panel.querySelectorAll("[data-sla]")) el.value = attr(bo, el.dataset.sla);
    field(panel, "cc").value = attr(bo, "yunying:cc");
    field(panel, "if-empty").value = attr(bo, "yunying:ifEmpty");
    field(panel, "on-reject").value = attr(bo, "yunying:onReject");
    // Values written by another modeler (Camunda): shown, the yunying:* attribute wins when set.
    const foreign = [];
    const attrs = bo.$attrs || {};
    for (const [k, v] of Object.entries(attrs)) {
      if (/^(camunda|zeebe):(formKey|assignee|candidateGroups|candidateUsers|dueDate)$/.test(k)) {
        foreign.push(`${k}=${v}`);
      }
    }
    const hint = field(panel, "foreign");
    hint.hidden = !foreign.length;
    $(hint, "[data-role=values]").textContent = foreign.join(" · ");
    syncAssigneePicker();
    syncDuePicker();
    fillMulti(bo);
  }

  // --- multi-instance (会签 / 或签 / 依次审批) ------------------------------------------------------
  const miMode = field(panel, "mi-mode");
  const miSource = field(panel, "mi-source");
  const miCount = field(panel, "mi-count");
  const miField = field(panel, "mi-field");
  const miCondition = field(panel, "mi-condition");

  function showMultiParts() {
    panel.querySelector("[data-mi-part]").hidden = !miMode.value;
    for (const part of panel.querySelectorAll("[data-mi-source]")) {
      part.hidden = part.dataset.miSource !== miSource.value;
    }
  }

  function fillMulti(bo) {
    const lc = bo.loopCharacteristics;
    const multi = lc && lc.$type === "bpmn:MultiInstanceLoopCharacteristics" ? lc : null;
    const cond = multi && multi.completionCondition ? multi.completionCondition.body || "" : "";
    miMode.value = !multi ? "" : multi.isSequential ? "sequential" : cond ? "any" : "all";
    // A step being set up (neither a count nor a field yet) keeps the source chosen in the panel.
    if (!multi || multi.loopDataInputRef || multi.loopCardinality) {
      miSource.value = multi && multi.loopDataInputRef ? "field" : "rule";
    }
    miCount.value = multi && multi.loopCardinality ? multi.loopCardinality.body || "" : "2";
    miField.value = multi && multi.loopDataInputRef ? multi.loopDataInputRef.id || "" : "";
    miCondition.value = cond;
    showMultiParts();
    showKnownFields();
  }

  function applyMulti() {
    if (!current) return;
    showMultiParts();
    if (!miMode.value) {
      update({ loopCharacteristics: undefined });
      return;
    }
    const lc = factory.create("bpmn:MultiInstanceLoopCharacteristics", {
      isSequential: miMode.value === "sequential",
    });
    if (miSource.value === "field") {
      const name = miField.value.trim();
      if (name) {
        // A reference by name to process data (kept by name, see keepDataRefs).
        lc.loopDataInputRef = moddle.create("bpmn:Property", { id: name });
        // Part i goes to the i-th person listed in the field.
        rawIn.value = `chosen:${name}`;
        update({ "yunying:assignee": rawIn.value });
        syncAssigneePicker();
      }
    } else {
      const count = String(parseInt(miCount.value, 10) || 2);
      miCount.value = count;
      lc.loopCardinality = factory.create("bpmn:FormalExpression", { body: count });
    }
    const cond = miCondition.value.trim();
    if (cond) lc.completionCondition = factory.create("bpmn:FormalExpression", { body: cond });
    update({ loopCharacteristics: lc });
  }

  miMode.addEventListener("change", () => {
    if (miMode.value === "any" && !miCondition.value.trim()) miCondition.value = "approved";
    if (miMode.value !== "any" && miCondition.value.trim() === "approved") miCondition.value = "";
    applyMulti();
  });
  for (const input of [miSource, miCount, miField, miCondition]) input.addEventListener("change", applyMulti);

  // Process data named in loopDataInputRef / loopDataOutputRef is no element of the diagram: the
  // importer drops such references; put them back by name so they survive saving.
  function keepDataRefs(warnings) {
    for (const w of warnings || []) {
      const prop = String(w.property || "");
      if (w.element && w.value && /(^|:)loopData(Input|Output)Ref$/.test(prop)) {
        w.element.set(prop.replace(/^bpmn:/, ""), moddle.create("bpmn:Property", { id: w.value }));
      }
    }
  }

  function fillFlow(el) {
    const bo = el.businessObject;
    const src = bo.sourceRef;
    const fromSplit = !!src && SPLIT_GATEWAYS.includes(src.$type);
    const cond = bo.conditionExpression;
    field(panel, "condition").value = cond ? cond.body || "" : "";
    const isDefault = fromSplit && src.default === bo;
    const defaultBox = field(panel, "is-default");
    defaultBox.checked = isDefault;
    defaultBox.closest("[data-role=default-row]").hidden = !fromSplit;
    field(panel, "condition").disabled = isDefault;
    field(panel, "condition-hint").hidden = fromSplit;
    showKnownFields();
    fillCondFields();
  }

  function update(props) {
    if (!current) return;
    modeling.updateProperties(current, props);
  }

  // general
  field(panel, "name").addEventListener("input", (e) => update({ name: e.target.value || undefined }));
  field(panel, "process-name").addEventListener("input", (e) => updateProcess({ name: e.target.value || undefined }));
  field(panel, "process-executable").addEventListener("change", (e) =>
    updateProcess({ isExecutable: e.target.checked }),
  );

  // the form of a task
  field(panel, "form").addEventListener("change", (e) => update({ "yunying:form": e.target.value.trim() || undefined }));
  field(panel, "fields").addEventListener("change", (e) => update({ "yunying:fields": e.target.value.trim() || undefined }));
  field(panel, "if-empty").addEventListener("change", (e) => update({ "yunying:ifEmpty": e.target.value || undefined }));
  field(panel, "on-reject").addEventListener("change", (e) => update({ "yunying:onReject": e.target.value || undefined }));
  field(panel, "cc").addEventListener("change", (e) => update({ "yunying:cc": e.target.value.trim() || undefined }));
  // a system step (service task): the action and its parameters, checked at deploy
  field(panel, "sys-action").addEventListener("change", (e) => update({ "yunying:action": e.target.value || undefined }));
  field(panel, "sys-params").addEventListener("change", (e) => update({ "yunying:params": e.target.value.trim().replace(/\s*\n\s*/g, "; ") || undefined }));

  // the assignee picker builds the expression string; the raw field stays editable
  const kindSel = field(panel, "assignee-kind");
  const posSel = field(panel, "assignee-position");
  const levelsIn = field(panel, "assignee-levels");
  const userIn = field(panel, "assignee-user");
  const unitSel = field(panel, "assignee-unit");
  const fieldIn = field(panel, "assignee-field");
  const categoryIn = field(panel, "assignee-category");
  const rawIn = field(panel, "assignee");

  function fillPositions(kind, selected) {
    const want = kind === "store" ? "store" : kind === "region" ? "region" : null;
    posSel.innerHTML = "";
    const blank = document.createElement("option");
    blank.value = "";
    blank.textContent = posSel.dataset.placeholder || "";
    posSel.appendChild(blank);
    let found = !selected;
    for (const p of positions) {
      if (want && p.unit_kind !== want) continue;
      const opt = document.createElement("option");
      opt.value = p.code;
      opt.textContent = `${p.name}（${p.code}）`;
      if (p.code === selected) found = true;
      posSel.appendChild(opt);
    }
    if (!found) {
      const opt = document.createElement("option");
      opt.value = selected;
      opt.textContent = selected;
      posSel.appendChild(opt);
    }
    posSel.value = selected || "";
  }

  function showAssigneeParts(kind) {
    for (const part of panel.querySelectorAll("[data-assignee-part]")) {
      part.hidden = !part.dataset.assigneePart.split(" ").includes(kind);
    }
  }

  function syncAssigneePicker() {
    const p = parseAssignee(rawIn.value);
    kindSel.value = p.kind;
    fillPositions(p.kind, p.position);
    levelsIn.value = p.levels || 1;
    userIn.value = p.user;
    unitSel.value = p.unit;
    if (p.unit && unitSel.value !== p.unit) {
      const opt = document.createElement("option");
      opt.value = opt.textContent = p.unit;
      unitSel.appendChild(opt);
      unitSel.value = p.unit;
    }
    fieldIn.value = p.field;
    categoryIn.value = p.category;
    showAssigneeParts(p.kind);
  }

  function assigneeFromPicker() {
    const built = buildAssignee({
      kind: kindSel.value,
      position: posSel.value,
      levels: levelsIn.value,
      user: userIn.value,
      unit: unitSel.value,
      field: fieldIn.value,
      category: categoryIn.value,
    });
    if (built === null) return; // custom: raw field is the truth
    rawIn.value = built;
    update({ "yunying:assignee": built || undefined });
  }

  kindSel.addEventListener("change", () => {
    fillPositions(kindSel.value, "");
    showAssigneeParts(kindSel.value);
    assigneeFromPicker();
  });
  for (const input of [posSel, levelsIn, userIn, unitSel, fieldIn, categoryIn]) {
    input.addEventListener("change", assigneeFromPicker);
  }
  rawIn.addEventListener("change", () => {
    update({ "yunying:assignee": rawIn.value.trim() || undefined });
    syncAssigneePicker();
  });

  // due time
  const dueAmount = field(panel, "due-amount");
  const dueUnit = field(panel, "due-unit");
  const dueRaw = field(panel, "due");
  function syncDuePicker() {
    const d = parseDue(dueRaw.value);
    dueAmount.value = d.amount;
    dueUnit.value = d.unit;
  }
  function dueFromPicker() {
    const built = buildDue(dueAmount.value, dueUnit.value);
    if (built === null) return;
    dueRaw.value = built;
    update({ "yunying:due": built || undefined });
  }
  dueAmount.addEventListener("change", dueFromPicker);
  dueUnit.addEventListener("change", dueFromPicker);
  dueRaw.addEventListener("change", () => {
    update({ "yunying:due": dueRaw.value.trim() || undefined });
    syncDuePicker();
  });

  // service level: basis of the due time, reminder, escalation
  for (const el of panel.querySelectorAll("[data-sla]")) {
    el.addEventListener("change", () => update({ [el.dataset.sla]: el.value.trim() || undefined }));
  }

  // The condition builder: a field of the forms, then (for a choice field) one of its options by its
  // label; what is inserted is the stored value (urgency == 'urgent'), never the label.
  const condField = field(panel, "cond-field");
  const condValue = field(panel, "cond-value");
  function fillCondFields() {
    const keep = condField.value;
    condField.innerHTML = "";
    const blank = document.createElement("option");
    blank.value = "";
    blank.textContent = condField.dataset.placeholder || "";
    condField.appendChild(blank);
    for (const f of knownFields()) {
      const opt = document.createElement("option");
      opt.value = f.key;
      opt.textContent = `${f.label}（${f.key}）`;
      condField.appendChild(opt);
    }
    condField.value = keep;
    fillCondValues();
  }
  function fillCondValues() {
    const f = knownFields().find((x) => x.key === condField.value);
    const choices = (f && f.choices) || [];
    condValue.innerHTML = "";
    for (const c of choices) {
      const opt = document.createElement("option");
      opt.value = c.value;
      opt.textContent = c.label && c.label !== c.value ? `${c.label}（${c.value}）` : c.value;
      condValue.appendChild(opt);
    }
    condValue.hidden = choices.length === 0;
  }
  condField.addEventListener("change", fillCondValues);
  field(panel, "cond-insert").addEventListener("click", () => {
    const key = condField.value;
    if (!key || !current) return;
    const f = knownFields().find((x) => x.key === key);
    const quote = (v) => `'${String(v).replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
    let piece = key;
    if (f && f.choices && f.choices.length && condValue.value) {
      piece = f.type === "multichoice" ? `${quote(condValue.value)} in ${key}` : `${key} == ${quote(condValue.value)}`;
    }
    const box = field(panel, "condition");
    const before = box.value.trim();
    box.value = before ? `${before} and ${piece}` : piece;
    box.dispatchEvent(new Event("change"));
  });

  // conditions on sequence flows, the default flow of a gateway
  field(panel, "condition").addEventListener("change", (e) => {
    const body = e.target.value.trim();
    update({
      conditionExpression: body ? factory.create("bpmn:FormalExpression", { body }) : undefined,
    });
  });
  field(panel, "is-default").addEventListener("change", (e) => {
    if (!current) return;
    const bo = current.businessObject;
    const gateway = registry.get(bo.sourceRef.id);
    if (e.target.checked) {
      if (bo.conditionExpression) modeling.updateProperties(current, { conditionExpression: undefined });
      modeling.updateProperties(gateway, { default: bo });
    } else if (gateway.businessObject.default === bo) {
      modeling.updateProperties(gateway, { default: undefined });
    }
    fillFlow(current);
  });

  // Typing in the panel while a label is being edited on the canvas: finish that edit first.
  panel.addEventListener("focusin", () => {
    const directEditing = modeler.get("directEditing");
    if (directEditing.isActive()) directEditing.complete();
  });

  // Clicking the one selected element keeps it selected (diagram-js would toggle it off, leaving the
  // panel empty under the designer's cursor); shift-click still adds or removes from a selection.
  modeler.on("element.click", 1500, (event) => {
    const original = event.originalEvent || {};
    if (original.shiftKey || original.ctrlKey || original.metaKey) return undefined;
    const chosen = selection.get();
    return chosen.length === 1 && chosen[0] === event.element ? false : undefined;
  });

  modeler.on("selection.changed", ({ newSelection }) => {
    showPanel(newSelection.length === 1 ? newSelection[0] : null);
  });
  modeler.on("element.changed", ({ element }) => {
    if (current && element === current && document.activeElement && !panel.contains(document.activeElement)) {
      showPanel(current);
    }
  });
  modeler.on("root.set", () => {
    if (!current) showPanel(null);
  });

  // --- forms offered in the form field (published forms, if the forms API answers) -------------
  const formList = document.getElementById(field(panel, "form").getAttribute("list") || "");
  const addForms = (items) => {
    for (const f of items || []) {
      const key = f.key || f.code || f.slug;
      if (!key || !formList) continue;
      const opt = document.createElement("option");
      opt.value = key;
      opt.label = f.name || f.title || key;
      opt.textContent = f.name || f.title || key;
      formList.appendChild(opt);
    }
  };
  addForms(cfg.forms);
  if (formList && cfg.formsUrl) {
    fetch(cfg.formsUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : []))
      .then((data) => addForms(Array.isArray(data) ? data : data.items || data.results || []))
      .catch(() => {});
  }

  // --- toolbar: upload, download, deploy --------------------------------------------------------
  const upload = $(toolbar, "[data-role=upload]");
  if (upload) {
    upload.addEventListener("change", () => {
      const file = upload.files && upload.files[0];
      if (!file) return;
      const reader = new FileReader();
      reader.onload = async () => {
        clearRefused();
        if (await open(String(reader.result))) {
          say("loaded", ` ${file.name}`);
          prefillFromProcess();
          fillProcessChoice();
        }
      };
      reader.readAsText(file, "utf-8");
    });
  }

  function prefillFromProcess() {
    const key = document.querySelector("[name=key]");
    const name = document.querySelector("[name=name]");
    const defs = modeler.getDefinitions();
    const processes = (defs.rootElements || []).filter((e) => e.$type === "bpmn:Process");
    const proc = processes.find((p) => p.isExecutable) || processes[0];
    if (!proc) return;
    if (key && !key.readOnly && !key.value) {
      key.value = String(proc.id).toLowerCase().replace(/[^a-z0-9_-]+/g, "-").replace(/^[-_]+/, "").slice(0, 64);
    }
    if (name && !name.value && proc.name) name.value = proc.name;
  }

  // A file with several processes the deploy cannot pick from by itself (the same rule as the server:
  // one process, or a single one marked executable, needs no choice): the deploy dialog asks which one
  // runs, candidates first. Kept up to date while the designer draws pools or ticks "executable".
  function fillProcessChoice() {
    const select = document.querySelector("[data-role=process-choice]");
    if (!select) return;
    const defs = modeler.getDefinitions();
    const processes = ((defs && defs.rootElements) || []).filter((e) => e.$type === "bpmn:Process");
    const wrap = select.closest("[data-role=process-choice-wrap]") || select;
    const executable = processes.filter((p) => p.isExecutable === true);
    const diagramOnly = !executable.length && processes.every((p) => p.isExecutable === false);
    if (processes.length < 2 || executable.length === 1 || diagramOnly) {
      select.replaceChildren();
      wrap.hidden = true;
      return;
    }
    const candidates = executable.length ? executable : processes;
    const ordered = [...candidates, ...processes.filter((p) => !candidates.includes(p))];
    const current = select.value || select.dataset.selected || "";
    const label = (p) =>
      `${p.name || p.id}（${p.id}）${p.isExecutable === false ? select.dataset.notExecutable || "" : ""}`;
    const shown = [...select.options].map((o) => `${o.value}|${o.textContent}`).join("\n");
    const wanted = ["|" + (select.dataset.blank || "—"), ...ordered.map((p) => `${p.id}|${label(p)}`)].join("\n");
    if (shown !== wanted) {
      select.replaceChildren();
      const blank = document.createElement("option");
      blank.value = "";
      blank.textContent = select.dataset.blank || "—";
      select.appendChild(blank);
      for (const p of ordered) {
        const option = document.createElement("option");
        option.value = p.id;
        option.textContent = label(p);
        option.selected = p.id === current;
        select.appendChild(option);
      }
    }
    wrap.hidden = false;
  }
  modeler.on("commandStack.changed", fillProcessChoice);
  modeler.on("import.done", fillProcessChoice);

  const download = $(toolbar, "[data-role=download]");
  if (download) {
    download.addEventListener("click", async (e) => {
      e.preventDefault();
      const { xml } = await modeler.saveXML({ format: true });
      const key = (document.querySelector("[name=key]") || {}).value || "process";
      const a = document.createElement("a");
      a.href = URL.createObjectURL(new Blob([xml], { type: "application/xml" }));
      a.download = `${key}.bpmn`;
      document.body.appendChild(a);
      a.click();
      setTimeout(() => {
        URL.revokeObjectURL(a.href);
        a.remove();
      }, 0);
    });
  }

  const form = document.getElementById(root.dataset.formId || "");
  if (form) {
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const { xml } = await modeler.saveXML({ format: true });
      form.querySelector("[name=bpmn_xml]").value = xml;
      // form.submit() leaves the pressed button out: carry its name (e.g. confirm=1) along
      const pressed = e.submitter;
      if (pressed && pressed.name) {
        const carried = document.createElement("input");
        carried.type = "hidden";
        carried.name = pressed.name;
        carried.value = pressed.value;
        form.appendChild(carried);
      }
      for (const b of document.querySelectorAll("button[type=submit]")) b.disabled = true;
      form.submit();
    });
  }

  // clicking a refused element in the list selects it in the canvas
  document.querySelectorAll("[data-element-id]").forEach((node) => {
    node.addEventListener("click", (e) => {
      const el = registry.get(node.dataset.elementId);
      if (!el) return;
      e.preventDefault();
      selection.select(el);
      canvas.scrollToElement ? canvas.scrollToElement(el) : null;
    });
  });

  const api = {
    modeler,
    open,
    select(id) {
      const el = registry.get(id);
      if (el) selection.select(el);
      return !!el;
    },
    async xml() {
      return (await modeler.saveXML({ format: true })).xml;
    },
  };
  root.yunyingDesigner = api;
  window.yunyingModeler = modeler;
  window.yunyingDesigner = api;
  const ok = await open(readJson(root.dataset.xmlId) || cfg.xml || "");
  if (ok) fillProcessChoice();
  root.dataset.ready = ok ? "1" : "error";
  return api;
}

export function mountAllDesigners() {
  document.querySelectorAll("[data-bpmn-designer]").forEach((root) => mountDesigner(root));
}
