// Copies the browser bundles the staff pages use from node_modules into
// govflow/static/dist/ (git-ignored). Run by `npm run build` from `make setup`.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "govflow", "static", "dist");
const bpmn = join(root, "node_modules", "bpmn-js");
const files = [
  [join(bpmn, "dist", "bpmn-navigated-viewer.production.min.js"), "bpmn-viewer.js"],
  [join(bpmn, "dist", "assets", "diagram-js.css"), "diagram-js.css"],
  [join(bpmn, "dist", "assets", "bpmn-js.css"), "bpmn-js.css"],
  [join(bpmn, "LICENSE"), "bpmn-js.LICENSE.txt"],
  // Chart.js draws the statistics pages of the administration console.
  [join(root, "node_modules", "chart.js", "dist", "chart.umd.min.js"), "chart.js"],
  [join(root, "node_modules", "chart.js", "LICENSE.md"), "chart.js.LICENSE.md"],
];
mkdirSync(out, { recursive: true });
for (const [from, to] of files) {
  copyFileSync(from, join(out, to));
  console.log(`${to} <- ${from.slice(root.length + 1)}`);
}
