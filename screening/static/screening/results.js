// Stacked bar charts of the result distributions (deliverable 9). Data comes from the json_script tag; the
// tables beside the charts are the accessible form, so the charts are aria-hidden. A suppressed cell is null
// (no bar segment; the table shows "<5").
(function () {
  "use strict";
  // Levels in their own colours (红/橙/黄/无); bands light to dark, mildest first.
  var LEVEL = { red: "#c0392b", orange: "#e67e22", yellow: "#f1c40f", none: "#95a5a6", invalid: "#d5d8dc" };
  var BANDS = ["#cfe8e0", "#8cc7b5", "#4c9a85", "#2d6b5a", "#173d33", "#0b1f1a"];

  function colour(kind, series, i) {
    if (kind === "level") return LEVEL[series.code] || "#7f8c8d";
    return BANDS[Math.min(i, BANDS.length - 1)];
  }

  function draw() {
    var node = document.getElementById("results-data");
    if (!node || !window.echarts) return;
    var tables = JSON.parse(node.textContent);
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var t = tables[Number(el.getAttribute("data-chart"))];
      if (!t) return;
      el.style.height = 90 + 40 * t.categories.length + "px";
      var chart = window.echarts.init(el);
      chart.setOption({
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { top: 0 },
        grid: { left: 16, right: 16, bottom: 8, top: 36, containLabel: true },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", inverse: true, data: t.categories },
        series: t.series.map(function (s, i) {
          return {
            name: s.name,
            type: "bar",
            stack: "total",
            barMaxWidth: 28,
            itemStyle: { color: colour(t.kind, s, i) },
            data: s.data,
          };
        }),
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  function start() {
    // Draw once the web font is in, so the axis labels are measured with the font they are shown in.
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
