// The decision table editor of /designer/decisions/<file>: dmn-js, bundled into
// govflow/static/dist/designer-dmn.js. Problems are listed (DMN has no canvas markers).
import DmnModeler from "dmn-js/lib/Modeler";
import { wireEditor } from "./editor.mjs";

const root = document.getElementById("designer-canvas");
if (root) {
  const modeler = new DmnModeler({ container: root });
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
  editor.load((xml) => modeler.importXML(xml));
}
