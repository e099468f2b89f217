// The web modeler of /designer/<key>: bpmn-js with the Camunda 7 properties panel.
// Bundled by scripts/build_assets.mjs into govflow/static/dist/designer.js; it reads
// its URLs and texts from data-* attributes (no inline script: the pages' CSP).
import BpmnModeler from "bpmn-js/lib/Modeler";
import {
  BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, CamundaPlatformPropertiesProviderModule,
} from "bpmn-js-properties-panel";
import CamundaBehaviorsModule from "camunda-bpmn-js-behaviors/lib/camunda-platform";
import camundaModdle from "camunda-bpmn-moddle/resources/camunda.json";

// Properties panel field → datalist of values the platform has (see modeler.html).
const SUGGESTIONS = {
  candidateGroups: "gf-roles", candidateStarterGroups: "gf-roles",
  formKey: "gf-form-keys", customFormKey: "gf-form-keys",
  delegateExpression: "gf-handlers", externalTopic: "gf-topics",
  dueDate: "gf-durations", followUpDate: "gf-durations",
};

const root = document.getElementById("designer-canvas");
if (root) start(root);

function start(el) {
  const data = el.dataset;
  const modeler = new BpmnModeler({
    container: el,
    propertiesPanel: { parent: "#designer-properties" },
    additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule,
      CamundaPlatformPropertiesProviderModule, CamundaBehaviorsModule],
    moddleExtensions: { camunda: camundaModdle },
  });
  window.govflowModeler = modeler; // for the browser tests and the console
  const message = document.getElementById("designer-message");
  const problemsBox = document.getElementById("designer-problems");
  const preview = document.getElementById("designer-preview");
  let marked = [];

  const say = (text, kind) => { message.textContent = text; message.className = kind || ""; };

  async function post(url, xml) {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": data.csrf },
      body: JSON.stringify({ xml }),
    });
    let body = {};
    try { body = await response.json(); } catch (e) { body = { message: response.statusText }; }
    return { status: response.status, body };
  }

  async function currentXml() {
    return (await modeler.saveXML({ format: true })).xml;
  }

  function showProblems(problems) {
    const canvas = modeler.get("canvas");
    const registry = modeler.get("elementRegistry");
    marked.forEach(([id, cls]) => canvas.removeMarker(id, cls));
    marked = [];
    const list = problemsBox.querySelector("ul");
    list.replaceChildren();
    for (const p of problems) {
      const item = document.createElement("li");
      item.className = `problem-${p.severity}`;
      item.dataset.testid = "problem";
      item.dataset.code = p.code || "";
      item.dataset.elementId = p.element_id || "";
      const where = [p.line ? `${p.file}:${p.line}` : p.file, p.element_id].filter(Boolean).join(" · ");
      item.textContent = `${p.severity === "error" ? "✖" : "⚠"} [${p.code}] ${p.message}${where ? ` (${where})` : ""}`;
      if (p.element_id && registry.get(p.element_id)) {
        const cls = p.severity === "error" ? "gf-error" : "gf-warning";
        canvas.addMarker(p.element_id, cls);
        marked.push([p.element_id, cls]);
        item.tabIndex = 0;
        item.addEventListener("click", () => {
          const element = registry.get(p.element_id);
          modeler.get("selection").select(element);
          canvas.scrollToElement(element);
        });
      }
      list.append(item);
    }
    problemsBox.hidden = problems.length === 0;
    return problems.filter((p) => p.severity === "error").length;
  }

  function failed(result) {
    const errors = result.body.errors ? JSON.stringify(result.body.errors) : "";
    say(`${data.textFailed} ${result.status} ${result.body.message || ""} ${errors}`, "error");
  }

  async function save() {
    const result = await post(data.saveUrl, await currentXml());
    if (result.status !== 200) return failed(result);
    const errors = showProblems(result.body.problems);
    say(errors ? `${data.textSaved} ${data.textErrors}` : data.textSaved, errors ? "error" : "ok");
  }

  async function validate() {
    const result = await post(data.validateUrl, await currentXml());
    if (result.status !== 200) return failed(result);
    const errors = showProblems(result.body.problems);
    say(errors ? data.textErrors : data.textValid, errors ? "error" : "ok");
  }

  async function deploy() {
    const xml = await currentXml();
    const saved = await post(data.saveUrl, xml); // keep the work even if deploying is refused
    if (saved.status !== 200) return failed(saved);
    const result = await post(data.deployUrl, xml);
    if (result.status === 422 && result.body.problems) {
      showProblems(result.body.problems);
      return say(data.textErrors, "error");
    }
    if (result.status !== 201) return failed(result);
    showProblems(result.body.problems);
    say(`${data.textDeployed} ${result.body.version}`, "ok");
    const link = document.createElement("a");
    link.href = data.catalogueUrl;
    link.dataset.testid = "back-to-catalogue";
    link.textContent = " →";
    message.append(link);
  }

  const guard = (fn) => () => fn().catch((e) => say(`${data.textFailed} ${e.message}`, "error"));
  document.getElementById("designer-save").addEventListener("click", guard(save));
  document.getElementById("designer-validate").addEventListener("click", guard(validate));
  document.getElementById("designer-deploy").addEventListener("click", guard(deploy));

  // Suggest the platform's roles, forms and handlers in the panel's text fields.
  document.getElementById("designer-properties").addEventListener("focusin", (event) => {
    const id = (event.target.id || "").replace("bio-properties-panel-", "");
    if (SUGGESTIONS[id] && event.target.tagName === "INPUT") event.target.setAttribute("list", SUGGESTIONS[id]);
  });

  modeler.on("selection.changed", ({ newSelection }) => {
    const element = newSelection.length === 1 ? newSelection[0] : null;
    const isForm = element && ["bpmn:UserTask", "bpmn:StartEvent"].includes(element.type);
    preview.hidden = !isForm;
    if (isForm) preview.href = data.previewUrl.replace("ELEMENT", encodeURIComponent(element.id));
  });

  fetch(data.xmlUrl, { credentials: "same-origin" })
    .then((r) => r.text())
    .then((xml) => modeler.importXML(xml))
    .then(() => {
      modeler.get("canvas").zoom("fit-viewport");
      el.classList.add("is-ready");
    })
    .catch((e) => say(`${data.textFailed} ${e.message}`, "error"));
}
