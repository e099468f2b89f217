// Builds the browser assets the staff pages use into govflow/static/dist/ (git-ignored):
// copies ready-made bundles from node_modules, and bundles the designer's modeler
// (ES modules) with esbuild. Run by `npm run build` from `make setup`.
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

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
  [join(root, "node_modules", "dmn-js", "LICENSE"), "dmn-js.LICENSE.txt"],
];
mkdirSync(out, { recursive: true });
for (const [from, to] of files) {
  copyFileSync(from, join(out, to));
  console.log(`${to} <- ${from.slice(root.length + 1)}`);
}

// The designer's editors: bpmn-js + bpmn-js-properties-panel + camunda-bpmn-moddle
// (designer.js), dmn-js (designer-dmn.js) and form-js (designer-form.js, Camunda Forms). Fonts become files next to the CSS:
// the pages' CSP (font-src 'self') refuses data: fonts.
const fonts = { ".woff": "file", ".woff2": "file", ".ttf": "file", ".eot": "file", ".svg": "file" };
const designer = join(root, "scripts", "designer");
// The properties panel's components take `translate` as a prop and fall back to an
// English-only function where bpmn-js-properties-panel passes none (group and list
// buttons, the pop-up editor button): the fallback is routed to the modeler's translate
// service (zh.mjs registers it), so every tooltip follows the page's language.
const panelFallback = {
  name: "properties-panel-translate",
  setup(b) {
    b.onLoad({ filter: /@bpmn-io[\\/]properties-panel[\\/]dist[\\/]index\.esm\.js$/ }, (args) => {
      const source = readFileSync(args.path, "utf8");
      const head = "function translateFallback(template, replacements) {";
      if (!source.includes(head)) throw new Error(`${args.path}: translateFallback not found; update ${panelFallback.name}`);
      return { contents: source.replace(head, `${head}\n  if (globalThis.govflowTranslate) return globalThis.govflowTranslate(template, replacements);`),
               loader: "js", resolveDir: dirname(args.path) };
    });
  },
};
await build({
  entryPoints: { designer: join(designer, "modeler.mjs"), "designer-dmn": join(designer, "decisions.mjs") },
  bundle: true, minify: true, format: "iife", target: "es2020", outdir: out,
  legalComments: "linked", logLevel: "warning", plugins: [panelFallback],
});
// form-js-editor ships its own preact beside the viewer's: two copies mean two hook
// contexts and an editor that cannot render, so the form bundle uses one.
await build({
  entryPoints: { "designer-form": join(designer, "forms.mjs") },
  bundle: true, minify: true, format: "iife", target: "es2020", outdir: out,
  legalComments: "linked", logLevel: "warning", alias: { preact: join(root, "node_modules", "preact") },
});
await build({
  entryPoints: { designer: join(designer, "modeler.css"), "designer-dmn": join(designer, "decisions.css"),
                 "designer-form": join(designer, "forms.css") },
  bundle: true, minify: true, outdir: out, logLevel: "warning", assetNames: "[name]-[hash]", loader: fonts,
});
console.log("designer.js/css, designer-dmn.js/css, designer-form.js/css <- scripts/designer/");
