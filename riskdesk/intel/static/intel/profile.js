// Draw every ECharts chart found under `root`; options come from a json_script element.
(function () {
  function drawCharts(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-echart]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var source = document.getElementById(el.dataset.echart);
      if (!source) return;
      echarts.init(el).setOption(JSON.parse(source.textContent));
      el.dataset.drawn = "1";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  document.addEventListener("htmx:after:settle", function () { drawCharts(document); });
})();
