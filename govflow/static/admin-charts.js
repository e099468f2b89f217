/* Charts of the admin statistics page: every <canvas data-chart="…"> becomes a Chart.js
   bar chart. data-chart holds {labels, datasets: [{label, data}], unit, integer}; the page's
   tables carry the same figures for readers without JavaScript. */
(function () {
  'use strict';
  var COLOURS = ['#2f6fb0', '#3f9b55', '#d89b2b', '#c0392b', '#7d5ba6', '#3aa6a6'];
  if (!window.Chart) { return; }
  Array.prototype.forEach.call(document.querySelectorAll('canvas[data-chart]'), function (canvas) {
    var spec;
    try { spec = JSON.parse(canvas.getAttribute('data-chart')); } catch (e) { return; }
    var datasets = spec.datasets.map(function (d, i) {
      return { label: d.label, data: d.data, backgroundColor: COLOURS[i % COLOURS.length] };
    });
    var chart = new window.Chart(canvas, {
      type: 'bar',
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: { y: { beginAtZero: true, max: spec.unit === '%' ? 100 : undefined,
                       // counts (spec.integer) have no half instances: whole-number ticks only
                       ticks: spec.integer ? { precision: 0 } : {},
                       title: { display: !!spec.unit, text: spec.unit || '' } } }
      }
    });
    canvas.setAttribute('data-ticks', chart.scales.y.ticks.map(function (t) { return t.value; }).join(','));
    canvas.classList.add('is-ready');
    canvas.setAttribute('data-points', String(chart.data.datasets.reduce(function (n, d) {
      return n + d.data.length; }, 0)));
  });
})();
