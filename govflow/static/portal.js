// Resident report form: the grid select shows the chosen community's grids; optional location;
// and a refused report keeps the photos chosen for it (see keepPhotosOnRefusal).
(function () {
  function wire(root) {
    var community = root.querySelector("#community");
    var grid = root.querySelector("#grid");
    if (community && grid) {
      var filter = function () {
        Array.prototype.forEach.call(grid.options, function (o) {
          if (!o.value) return;
          var show = o.getAttribute("data-community") === community.value;
          o.hidden = !show; o.disabled = !show;
          if (!show && o.selected) grid.value = "";
        });
      };
      community.addEventListener("change", filter);
      filter();
    }
    var locate = root.querySelector("#locate");
    if (locate && navigator.geolocation) {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(function (p) {
          root.querySelector("#lat").value = p.coords.latitude.toFixed(6);
          root.querySelector("#lng").value = p.coords.longitude.toFixed(6);
        });
      });
    }
    var form = root.querySelector('form[data-testid="report-form"]');
    if (form) keepPhotosOnRefusal(form);
  }

  // A browser never refills a file input, so a report refused by the server (a field
  // error, or too many reports: 400/429) would lose the photos a resident took. The
  // form is therefore posted in the background: a success goes on to the tracking
  // page; a refusal shows the server's page in place, with this very file input (its
  // files still chosen) moved into it. Without fetch the form posts as before.
  // When the server kept the photos itself (a refusal for another field: the page then
  // carries a fresh kept_photos token, see portal/photos.py), the input is not moved: its
  // files are stored already and would be sent a second time beside the token. It is
  // moved when the server stored nothing: no token, or the token of an earlier try
  // passed through a 429 (rate-limited: no photo is read).
  function keepPhotosOnRefusal(form) {
    if (!(window.fetch && window.FormData && window.DOMParser)) return;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector('[type="submit"]');
      if (button) button.disabled = true;
      fetch(form.getAttribute("action") || window.location.href,
            {method: "POST", body: new FormData(form), credentials: "same-origin"})
        .then(function (response) {
          if (response.redirected) { window.location.assign(response.url); return null; }
          return response.text().then(function (html) { showRefusal(form, html); });
        })
        .catch(function () { form.submit(); });
    });
  }

  function showRefusal(form, html) {
    var main = document.querySelector("main");
    var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("main");
    if (!main || !fresh) { document.open(); document.write(html); document.close(); return; }
    var photos = form.querySelector('input[type="file"]');
    var placeholder = fresh.querySelector('input[type="file"]');
    main.innerHTML = fresh.innerHTML;
    var slot = main.querySelector('input[type="file"]');
    var kept = fresh.querySelector('input[name="kept_photos"][data-fresh]');
    if (photos && slot && placeholder && !kept) slot.parentNode.replaceChild(photos, slot);
    Array.prototype.forEach.call(main.querySelectorAll("script"), function (s) { s.remove(); });
    wire(main);
    var alert = main.querySelector('[role="alert"]');
    if (alert) { alert.setAttribute("tabindex", "-1"); alert.focus(); }
  }

  wire(document);
})();
