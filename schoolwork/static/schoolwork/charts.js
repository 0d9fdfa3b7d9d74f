// Stacked bars of classes meeting / behind the lesson requirement per school (R3.1). The table beside the
// chart is the accessible form, so the chart is aria-hidden. Data from the json_script tag.
(function () {
  "use strict";
  function draw() {
    var node = document.getElementById("lesson-chart-data");
    var el = document.querySelector("[data-chart=lessons]");
    if (!node || !el || !window.echarts) return;
    var d = JSON.parse(node.textContent);
    el.style.height = 90 + 36 * d.categories.length + "px";
    var chart = window.echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 16, right: 16, bottom: 8, top: 36, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: d.categories },
      series: [
        { name: d.labels[0], type: "bar", stack: "c", barMaxWidth: 26, itemStyle: { color: "#4c9a85" }, data: d.met },
        { name: d.labels[1], type: "bar", stack: "c", barMaxWidth: 26, itemStyle: { color: "#e67e22" }, data: d.not_met },
      ],
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function start() {
    if (document.fonts && document.fonts.ready) document.fonts.ready.then(draw); else draw();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
