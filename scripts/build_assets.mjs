// Builds the browser assets the staff pages use into govflow/static/dist/ (git-ignored):
// copies ready-made bundles from node_modules, and bundles the designer's modeler
// (ES modules) with esbuild. Run by `npm run build` from `make setup`.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "govflow", "static", "dist");
const bpmn = join(root, "node_modules", "bpmn-js");
const dmn = join(root, "node_modules", "dmn-js", "dist");
const files = [
  [join(bpmn, "dist", "bpmn-navigated-viewer.production.min.js"), "bpmn-viewer.js"],
  [join(bpmn, "dist", "assets", "diagram-js.css"), "diagram-js.css"],
  [join(bpmn, "dist", "assets", "bpmn-js.css"), "bpmn-js.css"],
  [join(bpmn, "LICENSE"), "bpmn-js.LICENSE.txt"],
  // Chart.js draws the statistics pages of the administration console.
  [join(root, "node_modules", "chart.js", "dist", "chart.umd.min.js"), "chart.js"],
  [join(root, "node_modules", "chart.js", "LICENSE.md"), "chart.js.LICENSE.md"],
  // dmn-js edits decision tables in the designer.
  [join(dmn, "dmn-modeler.production.min.js"), "dmn-modeler.js"],
  [join(dmn, "assets", "dmn-js-shared.css"), "dmn-js-shared.css"],
  [join(dmn, "assets", "dmn-js-decision-table.css"), "dmn-js-decision-table.css"],
  [join(dmn, "assets", "dmn-js-decision-table-controls.css"), "dmn-js-decision-table-controls.css"],
  [join(dmn, "assets", "dmn-js-drd.css"), "dmn-js-drd.css"],
  [join(dmn, "assets", "dmn-js-literal-expression.css"), "dmn-js-literal-expression.css"],
  [join(dmn, "assets", "dmn-font", "css", "dmn-embedded.css"), "dmn-embedded.css"],
  [join(root, "node_modules", "dmn-js", "LICENSE"), "dmn-js.LICENSE.txt"],
];
mkdirSync(out, { recursive: true });
for (const [from, to] of files) {
  copyFileSync(from, join(out, to));
  console.log(`${to} <- ${from.slice(root.length + 1)}`);
}

// The designer's modeler: bpmn-js + bpmn-js-properties-panel + camunda-bpmn-moddle.
await build({
  entryPoints: { designer: join(root, "scripts", "designer", "modeler.mjs") },
  bundle: true, minify: true, format: "iife", target: "es2020", outdir: out,
  legalComments: "linked", logLevel: "warning",
});
// Fonts become files next to the CSS: the pages' CSP (font-src 'self') refuses data: fonts.
await build({
  entryPoints: { designer: join(root, "scripts", "designer", "modeler.css") },
  bundle: true, minify: true, outdir: out, logLevel: "warning", assetNames: "[name]-[hash]",
  loader: { ".woff": "file", ".woff2": "file", ".ttf": "file", ".eot": "file", ".svg": "file" },
});
console.log("designer.js, designer.css <- scripts/designer/");
