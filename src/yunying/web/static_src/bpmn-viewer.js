// The diagram viewer: renders a BPMN document read-only and colours flow nodes by their state.
//
// Markup (see workflow/_diagram_viewer.html):
//   <div data-bpmn-viewer data-xml-id="…" data-states-id="…">
//     <div data-role="canvas"></div>
//     <select data-role="diagrams"></select>       (optional: files with several diagrams)
//     <div data-role="error"></div>                 (shown when the file cannot be imported)
//   </div>
// The element reports what happened in data attributes, for people (messages) and tests:
//   data-import-state="ok|error", data-shape-count, data-warning-count, data-diagram-count.
import BpmnViewer from "bpmn-js/lib/NavigatedViewer";
import yunyingModdle from "./yunying-moddle.json";

export const STATES = ["COMPLETED", "READY", "WAITING", "ERROR", "CANCELLED"];

export function readJson(id) {
  const node = id && document.getElementById(id);
  if (!node) return null;
  try {
    return JSON.parse(node.textContent);
  } catch (err) {
    return null;
  }
}

export function countShapes(bpmn) {
  const registry = bpmn.get("elementRegistry");
  return registry.filter((el) => el.type !== "label" && !el.waypoints && el.parent).length;
}

export function applyStates(bpmn, states) {
  const registry = bpmn.get("elementRegistry");
  const canvas = bpmn.get("canvas");
  for (const [id, raw] of Object.entries(states || {})) {
    const state = String(raw).toUpperCase();
    if (!STATES.includes(state) || !registry.get(id)) continue;
    for (const other of STATES) canvas.removeMarker(id, `yy-state-${other.toLowerCase()}`);
    canvas.addMarker(id, `yy-state-${state.toLowerCase()}`);
  }
}

function fit(bpmn) {
  const canvas = bpmn.get("canvas");
  canvas.zoom("fit-viewport", "auto");
  // Small diagrams should not be blown up to giant shapes.
  if (canvas.zoom() > 1.2) canvas.zoom(1.2, "auto");
}

function showError(root, message) {
  root.dataset.importState = "error";
  const box = root.querySelector("[data-role=error]");
  if (box) {
    const prefix = root.dataset.errorPrefix || "";
    box.textContent = `${prefix}${message}`;
    box.hidden = false;
  }
}

export async function mountViewer(root) {
  if (root.dataset.mounted) return root.yunyingViewer;
  root.dataset.mounted = "1";
  const xml = readJson(root.dataset.xmlId) || "";
  let states = readJson(root.dataset.statesId) || {};
  if (typeof states === "string") {
    try {
      states = JSON.parse(states) || {};
    } catch (err) {
      states = {};
    }
  }
  const container = root.querySelector("[data-role=canvas]") || root;
  const viewer = new BpmnViewer({ container, moddleExtensions: { yunying: yunyingModdle } });
  root.yunyingViewer = viewer;
  (window.yunyingViewers = window.yunyingViewers || []).push(viewer);
  if (!xml.trim()) {
    showError(root, root.dataset.emptyMessage || "");
    return viewer;
  }
  try {
    const { warnings } = await viewer.importXML(xml);
    root.dataset.warningCount = String(warnings.length);
    if (warnings.length) console.warn("bpmn import warnings", warnings);
  } catch (err) {
    showError(root, err.message || String(err));
    return viewer;
  }
  // Diagrams of the file itself (bpmn-js adds planes for collapsed sub-processes; those open by drill-down).
  const diagrams = (viewer.getDefinitions().diagrams || []).filter((d) => {
    const el = d.plane && d.plane.bpmnElement;
    return d.id && (!el || el.$type === "bpmn:Process" || el.$type === "bpmn:Collaboration");
  });
  root.dataset.diagramCount = String(diagrams.length);
  const picker = root.querySelector("[data-role=diagrams]");
  if (picker && diagrams.length > 1) {
    const label = picker.dataset.optionLabel || "";
    diagrams.forEach((d, i) => {
      const opt = document.createElement("option");
      opt.value = d.id;
      const planeName = d.plane && d.plane.bpmnElement && d.plane.bpmnElement.name;
      opt.textContent = d.name || planeName || `${label}${i + 1}`;
      picker.appendChild(opt);
    });
    picker.hidden = false;
    picker.addEventListener("change", async () => {
      try {
        await viewer.open(picker.value);
        applyStates(viewer, states);
        fit(viewer);
        root.dataset.shapeCount = String(countShapes(viewer));
        root.dataset.shownDiagram = picker.value;
      } catch (err) {
        showError(root, err.message || String(err));
      }
    });
  }
  applyStates(viewer, states);
  fit(viewer);
  root.dataset.shapeCount = String(countShapes(viewer));
  if (diagrams[0]) root.dataset.shownDiagram = diagrams[0].id;
  root.dataset.importState = "ok";
  root.dispatchEvent(new CustomEvent("bpmn:rendered", { bubbles: true }));
  return viewer;
}

export function mountAllViewers() {
  document.querySelectorAll("[data-bpmn-viewer]").forEach((root) => mountViewer(root));
}

// Heat map (monitor): colour each step by its working-time level and put its figures beside it.
// The viewer root carries data-heat-id: a JSON script {element id: {count, median, p90, level, name}};
// data-heat-labels: "count|median|p90" captions in the page's language.
export function applyHeat(bpmn, root) {
  const heat = readJson(root.dataset.heatId);
  if (!heat) return;
  const [countLabel, medianLabel, p90Label] = (root.dataset.heatLabels || "n|P50|P90").split("|");
  const registry = bpmn.get("elementRegistry");
  const canvas = bpmn.get("canvas");
  const overlays = bpmn.get("overlays");
  overlays.remove({ type: "yy-heat" });
  let shown = 0;
  for (const [id, f] of Object.entries(heat)) {
    const el = registry.get(id);
    if (!el) continue;
    for (let i = 0; i <= 4; i++) canvas.removeMarker(id, `yy-heat-${i}`);
    canvas.addMarker(id, `yy-heat-${f.level}`);
    const box = document.createElement("div");
    box.className = `yy-heat-badge yy-heat-badge-${f.level}`;
    box.dataset.element = id;
    box.textContent = `${countLabel} ${f.count} · ${medianLabel} ${Number(f.median).toFixed(1)}h · ${p90Label} ${Number(f.p90).toFixed(1)}h`;
    overlays.add(id, "yy-heat", { position: { bottom: -4, left: 0 }, html: box });
    shown += 1;
  }
  root.dataset.heatCount = String(shown);
}

document.addEventListener("bpmn:rendered", (e) => {
  const root = e.target;
  if (root && root.dataset && root.dataset.heatId && root.yunyingViewer) applyHeat(root.yunyingViewer, root);
});
