// The read-only diagram (request page, monitor, version history): the viewer alone, without the modeler,
// so pages that only show a diagram load a fraction of the designer's code. Pages that also carry the
// designer bundle (bpmn.js) mount each viewer once: mountViewer marks the element it mounted.
import "bpmn-js/dist/assets/diagram-js.css";
import "bpmn-js/dist/assets/bpmn-js.css";
import "./bpmn-yunying.css";
import { mountAllViewers } from "./bpmn-viewer.js";

if (!window.YunyingBpmnViewer) {
  window.YunyingBpmnViewer = true;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAllViewers);
  else mountAllViewers();
  document.addEventListener("htmx:afterSettle", mountAllViewers);
}
