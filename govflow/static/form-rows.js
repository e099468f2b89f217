// Table fields (repeated rows, e.g. 一支部一策's problem list): "add a row" copies the
// last row with empty inputs and the next index in the FIELD.ROW.COLUMN names.
// Without JavaScript the page still offers spare blank rows.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-add-row]");
  if (!button) return;
  const table = document.querySelector(`table[data-rows="${button.dataset.addRow}"]`);
  const last = table && table.tBodies[0].lastElementChild;
  if (!last) return;
  const index = table.tBodies[0].rows.length;
  const row = last.cloneNode(true);
  row.querySelector(".n").textContent = String(index + 1);
  row.querySelectorAll(".error").forEach((e) => e.remove());
  row.querySelectorAll("td").forEach((td) => td.classList.remove("has-error"));
  row.querySelectorAll("input, select, textarea").forEach((input) => {
    input.name = input.name.replace(/\.\d+\./, `.${index}.`);
    input.value = "";
  });
  table.tBodies[0].appendChild(row);
  row.querySelector("input, select, textarea")?.focus();
});
