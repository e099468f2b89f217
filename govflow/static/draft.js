// A form that survives a dropped connection: what is typed into a form marked
// data-draft="<key>" is kept in localStorage and put back when the page is opened again.
// Sending marks the draft; the next page tells how it went: the same form again (an
// error, or the connection dropped and the user came back) keeps the draft, any other
// page (the redirect after success) forgets it. Files cannot be kept by a browser.
(function () {
  "use strict";
  var PREFIX = "govflow-draft:";
  var SENT = "govflow-draft-sent:";
  var store;
  try { store = window.localStorage; } catch (e) { return; }
  if (!store) { return; }

  function keep(field) {
    return field.name && field.name !== "csrf_token" && field.type !== "file" && field.type !== "hidden" &&
      field.type !== "submit" && field.type !== "button" && !field.disabled;
  }

  function save(form, key) {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!keep(field)) { return; }
      if (field.type === "checkbox" || field.type === "radio") {
        values[field.name + "\u0000" + field.value] = field.checked;
      } else if (field.multiple) {
        values[field.name] = Array.prototype.filter.call(field.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; });
      } else {
        values[field.name] = field.value;
      }
    });
    store.setItem(PREFIX + key, JSON.stringify(values));
  }

  // Only what nobody has touched since the page was drawn: a person quick enough to
  // type before this script runs keeps what they typed.
  function untouched(field) {
    if (field.type === "checkbox" || field.type === "radio") { return field.checked === field.defaultChecked; }
    if (field.options) {
      return Array.prototype.every.call(field.options, function (o) { return o.selected === o.defaultSelected; });
    }
    return field.value === field.defaultValue;
  }

  function restore(form, key) {
    var values;
    try { values = JSON.parse(store.getItem(PREFIX + key) || "null"); } catch (e) { values = null; }
    if (!values) { return; }
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!keep(field) || !untouched(field)) { return; }
      if (field.type === "checkbox" || field.type === "radio") {
        var flag = values[field.name + "\u0000" + field.value];
        if (typeof flag === "boolean") { field.checked = flag; }
      } else if (field.multiple && Array.isArray(values[field.name])) {
        Array.prototype.forEach.call(field.options, function (o) { o.selected = values[field.name].indexOf(o.value) >= 0; });
      } else if (typeof values[field.name] === "string") {
        field.value = values[field.name];
      }
    });
    form.setAttribute("data-draft-restored", "true");
  }

  var forms = Array.prototype.slice.call(document.querySelectorAll("form[data-draft]"));
  var here = forms.map(function (form) { return form.getAttribute("data-draft"); });

  for (var i = store.length - 1; i >= 0; i--) {
    var name = store.key(i);
    if (name && name.indexOf(SENT) === 0) {
      var key = name.slice(SENT.length);
      store.removeItem(name);
      if (here.indexOf(key) < 0) { store.removeItem(PREFIX + key); }
    }
  }

  forms.forEach(function (form) {
    var key = form.getAttribute("data-draft");
    // Sent back with errors: the server drew the values that were sent.
    if (!form.querySelector(".has-error, [data-testid=form-errors]")) { restore(form, key); }
    form.addEventListener("input", function () { save(form, key); });
    form.addEventListener("change", function () { save(form, key); });
    form.addEventListener("submit", function () { save(form, key); store.setItem(SENT + key, "1"); });
  });
}());
