// The decision table editor of /designer/decisions/<file>: dmn-js, bundled into
// govflow/static/dist/designer-dmn.js. Problems are listed (DMN has no canvas markers).
import DmnModeler from "dmn-js/lib/Modeler";
import { fitBesidePalette, wireEditor } from "./editor.mjs";
import { translateModule } from "./zh.mjs";
import { ZH_DMN } from "./zh_dmn.mjs";

const root = document.getElementById("designer-canvas");
if (root) {
  // Per view: dmn-js drops the additionalModules of its `common` option.
  const translated = { additionalModules: [translateModule(document.documentElement.lang, ZH_DMN)] };
  const modeler = new DmnModeler({
    container: root,
    drd: translated, decisionTable: translated, literalExpression: translated, boxedExpression: translated,
  });
  window.govflowModeler = modeler;
  const editor = wireEditor(root, {
    saveXml: async () => (await modeler.saveXML({ format: true })).xml,
    mark: (problems) => problems.map(() => null),
    // dmn-js has one editor (view) per decision; each has its own command stack.
    onChange: (fn) => modeler.on("views.changed", () => {
      const viewer = modeler.getActiveViewer();
      if (viewer && !viewer.__govflowWatched) {
        viewer.__govflowWatched = true;
        viewer.on("elements.changed", fn);
      }
    }),
  });
  // The requirements diagram (DRD) has a palette too; tables have none.
  editor.load((xml) => modeler.importXML(xml).then(() => {
    const viewer = modeler.getActiveViewer();
    if (viewer && modeler.getActiveView().type === "drd") fitBesidePalette(viewer.get("canvas"), root);
  }));
}
