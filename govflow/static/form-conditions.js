// Camunda Forms' conditional.hide on the page: the same closed FEEL subset the server
// evaluates (govflow/forms/camunda/conditions.py) — names, literals, = != < <= > >=,
// and, or, not(…), parentheses. A hidden field's inputs are disabled, so they are not
// sent; the server refuses a value for a field its condition hides.
(() => {
  const TOKEN = /\s*(?:(-?\d+(?:\.\d+)?)|("[^"\\]*")|(<=|>=|!=|=|<|>|\(|\))|([A-Za-z_][A-Za-z0-9_]*))/y;

  function tokens(text) {
    const out = [];
    TOKEN.lastIndex = 0;
    while (TOKEN.lastIndex < text.length) {
      const m = TOKEN.exec(text);
      if (!m) { if (text.slice(TOKEN.lastIndex).trim() === "") break; throw new Error(text); }
      if (m[1] !== undefined) out.push(["lit", Number(m[1])]);
      else if (m[2] !== undefined) out.push(["lit", m[2].slice(1, -1)]);
      else if (m[3] !== undefined) out.push(["op", m[3]]);
      else if (m[4] === "true" || m[4] === "false") out.push(["lit", m[4] === "true"]);
      else if (m[4] === "null") out.push(["lit", null]);
      else out.push(["name", m[4]]);
    }
    return out;
  }

  function evaluate(text, read) {
    const t = tokens(text.replace(/^\s*=/, ""));
    let i = 0;
    const peek = () => t[i] || [];
    const atom = () => {
      const [kind, v] = t[i++] || [];
      if (kind === "op" && v === "(") { const x = or(); i++; return x; }
      if (kind === "lit") return v;
      if (kind === "name" && v === "not") { i++; const x = or(); i++; return typeof x === "boolean" ? !x : null; }
      if (kind === "name") return read(v);
      throw new Error(text);
    };
    const cmp = () => {
      const left = atom();
      const [kind, op] = peek();
      if (kind !== "op" || op === "(" || op === ")") return left;
      i++;
      const right = atom();
      if (op === "=" || op === "!=") {
        const same = left === right;
        return op === "=" ? same : !same;
      }
      if (left === null || right === null || typeof left !== typeof right || typeof left === "boolean") return null;
      return { "<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right }[op];
    };
    const and = () => {
      let left = cmp();
      while (peek()[1] === "and") { i++; const r = cmp(); left = left === false || r === false ? false : (left === true && r === true ? true : null); }
      return left;
    };
    const or = () => {
      let left = and();
      while (peek()[1] === "or") { i++; const r = and(); left = left === true || r === true ? true : (left === false && r === false ? false : null); }
      return left;
    };
    return or() === true;
  }

  function reader(form) {
    return (name) => {
      const inputs = [...form.querySelectorAll(`[name="${name}"]`)].filter((el) => !el.disabled);
      if (!inputs.length) return null;
      const first = inputs[0];
      if (first.type === "checkbox" && inputs.length === 1 && first.value === "true") return first.checked;
      if (first.type === "radio") {
        const picked = inputs.find((el) => el.checked);
        return picked ? (picked.value === "true" ? true : picked.value === "false" ? false : picked.value) : null;
      }
      if (first.type === "checkbox") return inputs.filter((el) => el.checked).map((el) => el.value);
      if (first.value === "") return null;
      return first.type === "number" ? Number(first.value) : first.value;
    };
  }

  function apply(form) {
    const read = reader(form);
    form.querySelectorAll("[data-hide-if]").forEach((field) => {
      let hidden = false;
      try { hidden = evaluate(field.dataset.hideIf, read); } catch (e) { hidden = false; }
      field.hidden = hidden;
      field.querySelectorAll("input, select, textarea").forEach((el) => { el.disabled = hidden; });
    });
  }

  document.querySelectorAll("form").forEach((form) => {
    if (!form.querySelector("[data-hide-if]")) return;
    apply(form);
    form.addEventListener("input", () => apply(form));
    form.addEventListener("change", () => apply(form));
  });
})();
