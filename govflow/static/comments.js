// 常用意见: phrases under a comment box; one tap puts the phrase in the box. The page
// offers a few standard ones; the comments this person sent from this browser are
// remembered (the eight latest, newest first) and offered before them.
(function () {
  "use strict";
  var MAX = 8;
  var store;
  try { store = window.localStorage; } catch (e) { store = null; }

  function saved(key) {
    try { return JSON.parse((store && store.getItem(key)) || "[]"); } catch (e) { return []; }
  }

  document.querySelectorAll("[data-phrases-for]").forEach(function (box) {
    var field = document.getElementById(box.getAttribute("data-phrases-for"));
    if (!field) { return; }
    var key = "govflow-phrases:" + box.getAttribute("data-phrases-user");
    var standard = JSON.parse(box.getAttribute("data-phrases") || "[]");
    var phrases = saved(key).concat(standard).filter(function (p, i, all) { return all.indexOf(p) === i; });
    phrases.slice(0, MAX + standard.length).forEach(function (phrase) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "phrase";
      button.textContent = phrase;
      button.addEventListener("click", function () {
        field.value = field.value ? field.value.replace(/\s*$/, "") + "\n" + phrase : phrase;
        field.dispatchEvent(new Event("input", { bubbles: true }));
        field.focus();
      });
      box.appendChild(button);
    });
    if (field.form && store) {
      field.form.addEventListener("submit", function () {
        var text = field.value.trim();
        if (!text || text.length > 200) { return; }
        var list = saved(key).filter(function (p) { return p !== text; });
        list.unshift(text);
        store.setItem(key, JSON.stringify(list.slice(0, MAX)));
      });
    }
  });
}());
