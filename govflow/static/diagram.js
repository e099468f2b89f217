/* An instance's diagram (task page, admin instance page): bpmn-js's viewer with done,
   current and failed steps marked; on the admin pages also a badge with the number of
   rounds on steps that ran more than once, and call activities that open the process
   they call. Everything comes in data-* attributes (no inline script: CSP). */
(function () {
  'use strict';
  var el = document.getElementById('diagram');
  if (!el) { return; }
  function empty() { el.classList.add('is-empty'); el.textContent = el.getAttribute('data-empty'); }
  function data(name, fallback) { return JSON.parse(el.getAttribute(name) || fallback); }
  if (!window.BpmnJS) { empty(); return; }
  var viewer = new window.BpmnJS({ container: el });

  // A file may hold several processes (a caller and what it calls): show the one asked for.
  function openProcess(processId) {
    if (!processId) { return null; }
    var diagrams = (viewer.getDefinitions() || {}).diagrams || [];
    var wanted = diagrams.filter(function (d) {
      var shown = d.plane && d.plane.bpmnElement;
      if (!shown) { return false; }
      if (shown.id === processId) { return true; }
      return (shown.participants || []).some(function (p) { return p.processRef && p.processRef.id === processId; });
    })[0];
    return wanted && wanted !== diagrams[0] ? viewer.open(wanted) : null;
  }

  function mark(canvas, registry) {
    [['data-done', 'gf-done'], ['data-current', 'gf-current'], ['data-failed', 'gf-failed']].forEach(function (pair) {
      data(pair[0], '[]').forEach(function (id) {
        if (registry.get(id)) { canvas.addMarker(id, pair[1]); }
      });
    });
    var overlays = viewer.get('overlays');
    var counts = data('data-counts', '{}');
    Object.keys(counts).forEach(function (id) {
      if (!registry.get(id)) { return; }
      var badge = document.createElement('span');
      badge.className = 'gf-rounds';
      badge.setAttribute('data-testid', 'rounds-' + id);
      badge.setAttribute('data-element-id', id);
      badge.title = (el.getAttribute('data-rounds-title') || '') + ' ' + counts[id];
      badge.textContent = '×' + counts[id];
      overlays.add(id, 'rounds', { position: { top: -10, right: 10 }, html: badge });
    });
    var calledUrl = el.getAttribute('data-called-url');
    if (!calledUrl) { return; }
    var calls = data('data-calls', '[]');
    calls.forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, 'gf-call'); } });
    viewer.get('eventBus').on('element.click', function (event) {
      if (calls.indexOf(event.element.id) >= 0) {
        window.location.assign(calledUrl.replace('__element__', encodeURIComponent(event.element.id)));
      }
    });
  }

  fetch(el.getAttribute('data-xml-url'), { credentials: 'same-origin' })
    .then(function (response) {
      if (!response.ok) { throw new Error('HTTP ' + response.status); }
      return response.text();
    })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () { return openProcess(el.getAttribute('data-process')); })
    .then(function () {
      var canvas = viewer.get('canvas');
      canvas.zoom('fit-viewport', 'auto');
      mark(canvas, viewer.get('elementRegistry'));
      el.classList.add('is-ready');
    })
    .catch(function () { empty(); });
})();
