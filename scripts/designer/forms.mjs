// The form editor of /designer/forms/<id>: form-js (Camunda Forms), bundled into
// govflow/static/dist/designer-form.js. It saves the form's JSON through the same
// Save / Validate / Deploy calls as the diagram editors; the server checks it
// exactly as any deployment (components it cannot check, patterns, conditions).
import { FormEditor } from "@bpmn-io/form-js-editor";
import { wireEditor } from "./editor.mjs";
import { componentNamesModule, isChinese, translateChrome } from "./forms_zh.mjs";

const root = document.getElementById("designer-canvas");
if (root) {
  const panel = document.getElementById("designer-properties");
  const zh = isChinese(document.documentElement.lang);
  const editor = new FormEditor({ container: root, propertiesPanel: panel ? { parent: panel } : undefined,
    additionalModules: zh ? [componentNamesModule] : [] });
  if (zh) translateChrome([root, panel]);
  window.govflowFormEditor = editor;
  const wired = wireEditor(root, {
    saveXml: async () => JSON.stringify(editor.saveSchema(), null, 2),
    mark: (problems) => problems.map(() => null),
    onChange: (fn) => editor.on("changed", fn),
  });
  wired.load((text) => editor.importSchema(JSON.parse(text)));
}
