/* The instance's diagram on the task page: bpmn-js's viewer, done and current steps marked. */
(function () {
  'use strict';
  var el = document.getElementById('diagram');
  if (!el) { return; }
  function empty() { el.classList.add('is-empty'); el.textContent = el.getAttribute('data-empty'); }
  if (!window.BpmnJS) { empty(); return; }
  var viewer = new window.BpmnJS({ container: el });
  fetch(el.getAttribute('data-xml-url'), { credentials: 'same-origin' })
    .then(function (response) {
      if (!response.ok) { throw new Error('HTTP ' + response.status); }
      return response.text();
    })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () {
      var canvas = viewer.get('canvas');
      var registry = viewer.get('elementRegistry');
      canvas.zoom('fit-viewport', 'auto');
      [['data-done', 'gf-done'], ['data-current', 'gf-current']].forEach(function (pair) {
        JSON.parse(el.getAttribute(pair[0]) || '[]').forEach(function (id) {
          if (registry.get(id)) { canvas.addMarker(id, pair[1]); }
        });
      });
      el.classList.add('is-ready');
    })
    .catch(function () { empty(); });
})();
