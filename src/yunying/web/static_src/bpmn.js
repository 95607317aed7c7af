import BpmnModeler from "bpmn-js/lib/Modeler";
import BpmnViewer from "bpmn-js/lib/NavigatedViewer";
import "bpmn-js/dist/assets/diagram-js.css";
import "bpmn-js/dist/assets/bpmn-js.css";
import "bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css";
import "./bpmn-yunying.css";
import yunyingModdle from "./yunying-moddle.json";
import { mountAllViewers, mountViewer, applyStates } from "./bpmn-viewer.js";
import { mountAllDesigners, mountDesigner, parseAssignee, buildAssignee } from "./bpmn-designer.js";

if (!window.YunyingBpmn) {
  window.YunyingBpmn = {
    BpmnModeler,
    BpmnViewer,
    yunyingModdle,
    mountViewer,
    mountDesigner,
    applyStates,
    parseAssignee,
    buildAssignee,
  };
  const start = () => {
    mountAllViewers();
    mountAllDesigners();
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  // Content swapped in by htmx may bring viewers along.
  document.addEventListener("htmx:afterSettle", mountAllViewers);
}
