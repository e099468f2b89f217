// What the BPMN and DMN editors of the designer share: the JSON calls (CSRF in a
// header), the problem list, and the Save / Validate / Deploy buttons.

export function wireEditor(el, { saveXml, mark, onChange }) {
  const data = el.dataset;
  // Leaving with unsaved edits asks first; saving or deploying clears the flag.
  let dirty = false;
  onChange(() => { dirty = true; });
  window.addEventListener("beforeunload", (event) => { if (dirty) event.preventDefault(); });
  const message = document.getElementById("designer-message");
  const problemsBox = document.getElementById("designer-problems");
  const say = (text, kind) => { message.textContent = text; message.className = kind || ""; };
  let texts = {};
  try { texts = JSON.parse(data.problemTexts || "{}"); } catch (e) { texts = {}; }

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

  // Lists the problems; `mark` marks them on the drawing and returns a click handler or null.
  function showProblems(problems) {
    const list = problemsBox.querySelector("ul");
    list.replaceChildren();
    const focusers = mark(problems);
    problems.forEach((p, i) => {
      const item = document.createElement("li");
      item.className = `problem-${p.severity}`;
      item.dataset.testid = "problem";
      item.dataset.code = p.code || "";
      item.dataset.elementId = p.element_id || "";
      const where = [p.line ? `${p.file}:${p.line}` : p.file, p.element_id].filter(Boolean).join(" · ");
      // The code's meaning in the page's language first; the detail names the file's own ids and values.
      const meaning = texts[p.code];
      const detail = meaning ? `${meaning} — ${p.message}` : p.message;
      item.textContent = `${p.severity === "error" ? "✖" : "⚠"} [${p.code}] ${detail}${where ? ` (${where})` : ""}`;
      if (focusers[i]) {
        item.tabIndex = 0;
        item.addEventListener("click", focusers[i]);
      }
      list.append(item);
    });
    problemsBox.hidden = problems.length === 0;
    return problems.filter((p) => p.severity === "error").length;
  }

  function failed(result) {
    const errors = result.body.errors ? JSON.stringify(result.body.errors) : "";
    say(`${data.textFailed} ${result.status} ${result.body.message || ""} ${errors}`, "error");
  }

  async function save() {
    const result = await post(data.saveUrl, await saveXml());
    if (result.status !== 200) return failed(result);
    dirty = false;
    const errors = showProblems(result.body.problems);
    say(errors ? `${data.textSaved} ${data.textErrors}` : data.textSaved, errors ? "error" : "ok");
  }

  async function validate() {
    const result = await post(data.validateUrl, await saveXml());
    if (result.status !== 200) return failed(result);
    const errors = showProblems(result.body.problems);
    say(errors ? data.textErrors : data.textValid, errors ? "error" : "ok");
  }

  async function deploy() {
    const xml = await saveXml();
    const saved = await post(data.saveUrl, xml); // keep the work even if deploying is refused
    if (saved.status !== 200) return failed(saved);
    dirty = false;
    const result = await post(data.deployUrl, xml);
    if (result.status === 422 && result.body.problems) {
      showProblems(result.body.problems);
      return say(data.textErrors, "error");
    }
    if (result.status !== 201) return failed(result);
    showProblems(result.body.problems);
    say(`${data.textDeployed} ${result.body.version ?? ""}`, "ok");
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

  return {
    load(importXml) {
      return fetch(data.xmlUrl, { credentials: "same-origin" })
        .then((r) => r.text())
        .then(importXml)
        .then(() => el.classList.add("is-ready"))
        .catch((e) => say(`${data.textFailed} ${e.message}`, "error"));
    },
  };
}

// Fits the whole diagram into the canvas to the right of the palette (diagram-js's own
// "fit-viewport" centres it under the palette's 100-odd pixels at the left edge), at
// most at 100 %, with a margin all round.
export function fitBesidePalette(canvas, container, margin = 24) {
  const palette = container.querySelector(".djs-palette");
  const left = palette ? palette.getBoundingClientRect().right - container.getBoundingClientRect().left : 0;
  const { inner, outer } = canvas.viewbox();
  if (!inner.width || !inner.height) return;
  const width = outer.width - left - 2 * margin;
  const height = outer.height - 2 * margin;
  const scale = Math.min(width / inner.width, height / inner.height, 1);
  canvas.viewbox({ x: inner.x - (left + margin) / scale, y: inner.y - margin / scale,
                   width: outer.width / scale, height: outer.height / scale });
}
