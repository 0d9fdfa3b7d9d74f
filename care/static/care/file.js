// Year-over-year score charts on the student file: data from the json_script tag; the tables beside the
// charts are the accessible form, so the charts are aria-hidden.
(function () {
  "use strict";
  function draw() {
    var node = document.getElementById("file-charts");
    if (!node || !window.echarts) return;
    var charts = JSON.parse(node.textContent);
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var c = charts[Number(el.getAttribute("data-chart"))];
      if (!c) return;
      var chart = window.echarts.init(el);
      chart.setOption({
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 8, right: 16, bottom: 8, top: 36, containLabel: true },
        xAxis: { type: "time" },
        yAxis: { type: "value" },
        series: c.series.map(function (s) {
          return { name: s.name, type: "line", data: s.data, symbolSize: 7 };
        }),
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  function start() {
    if (document.fonts && document.fonts.ready) {
      document.fonts.ready.then(draw);
    } else {
      draw();
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
