// The web modeler of /designer/<key>: bpmn-js with the Camunda 7 properties panel.
// Bundled by scripts/build_assets.mjs into govflow/static/dist/designer.js; it reads
// its URLs and texts from data-* attributes (no inline script: the pages' CSP).
import BpmnModeler from "bpmn-js/lib/Modeler";
import {
  BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, CamundaPlatformPropertiesProviderModule,
} from "bpmn-js-properties-panel";
import CamundaBehaviorsModule from "camunda-bpmn-js-behaviors/lib/camunda-platform";
import camundaModdle from "camunda-bpmn-moddle/resources/camunda.json";
import { fitBesidePalette, wireEditor } from "./editor.mjs";
import { translateModule } from "./zh.mjs";

// Properties panel field → datalist of values the platform has (see modeler.html).
const SUGGESTIONS = {
  candidateGroups: "gf-roles", candidateStarterGroups: "gf-roles",
  formKey: "gf-form-keys", customFormKey: "gf-form-keys", formRef: "gf-form-refs",
  delegateExpression: "gf-handlers", externalTopic: "gf-topics",
  dueDate: "gf-durations", followUpDate: "gf-durations",
};

const root = document.getElementById("designer-canvas");
if (root) start(root);

function start(el) {
  const modeler = new BpmnModeler({
    container: el,
    propertiesPanel: { parent: "#designer-properties" },
    additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule,
      CamundaPlatformPropertiesProviderModule, CamundaBehaviorsModule, translateModule(document.documentElement.lang)],
    moddleExtensions: { camunda: camundaModdle },
  });
  window.govflowModeler = modeler; // for the browser tests and the console
  const canvas = modeler.get("canvas");
  const registry = modeler.get("elementRegistry");
  let marked = [];

  function mark(problems) {
    marked.forEach(([id, cls]) => canvas.removeMarker(id, cls));
    marked = [];
    return problems.map((p) => {
      const element = p.element_id && registry.get(p.element_id);
      if (!element) return null;
      const cls = p.severity === "error" ? "gf-error" : "gf-warning";
      canvas.addMarker(p.element_id, cls);
      marked.push([p.element_id, cls]);
      return () => { modeler.get("selection").select(element); canvas.scrollToElement(element); };
    });
  }

  const editor = wireEditor(el, {
    saveXml: async () => (await modeler.saveXML({ format: true })).xml,
    mark,
    onChange: (fn) => modeler.on("commandStack.changed", fn),
  });

  // Suggest the platform's roles, forms and handlers in the panel's text fields.
  document.getElementById("designer-properties").addEventListener("focusin", (event) => {
    const id = (event.target.id || "").replace("bio-properties-panel-", "");
    if (SUGGESTIONS[id] && event.target.tagName === "INPUT") event.target.setAttribute("list", SUGGESTIONS[id]);
  });

  const preview = document.getElementById("designer-preview");
  modeler.on("selection.changed", ({ newSelection }) => {
    const element = newSelection.length === 1 ? newSelection[0] : null;
    const isForm = element && ["bpmn:UserTask", "bpmn:StartEvent"].includes(element.type);
    preview.hidden = !isForm;
    if (isForm) preview.href = el.dataset.previewUrl.replace("ELEMENT", encodeURIComponent(element.id));
  });

  editor.load((xml) => modeler.importXML(xml).then(() => fitBesidePalette(canvas, el)));
}
