// Stacked bar charts of the result distributions (deliverable 9). Data comes from the json_script tag; the
// tables beside the charts are the accessible form, so the charts are aria-hidden. A suppressed cell is null.
(function () {
  "use strict";
  function draw() {
    var node = document.getElementById("results-data");
    if (!node || !window.echarts) return;
    var tables = JSON.parse(node.textContent);
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var t = tables[Number(el.getAttribute("data-chart"))];
      if (!t) return;
      var chart = window.echarts.init(el);
      chart.setOption({
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { top: 0 },
        grid: { left: 8, right: 8, bottom: 8, top: 32, containLabel: true },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: t.categories },
        series: t.series.map(function (s) {
          return { name: s.name, type: "bar", stack: "total", data: s.data };
        }),
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
