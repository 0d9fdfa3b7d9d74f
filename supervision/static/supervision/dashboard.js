// Supervision dashboards: one ECharts chart per indicator — bars of the children's shares against the target
// on a node's page, a line over the periods on a trend page. The table beside each chart is the accessible
// form (the chart is aria-hidden). Data from the json_script tag #sup-charts (CSP: no inline script).
(function () {
  "use strict";
  var charts = [];

  function barOption(d) {
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: function (v) { return v == null ? "—" : v + "%"; } },
      grid: { left: 8, right: 36, bottom: 8, top: 8, containLabel: true },
      xAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", inverse: true, data: d.categories },
      series: [{
        name: d.label, type: "bar", barMaxWidth: 22, data: d.values,
        itemStyle: { color: function (p) { return p.value != null && p.value >= d.target ? "#2e7d5b" : "#c0562b"; } },
        label: { show: true, position: "right", formatter: function (p) { return p.value == null ? "" : p.value + "%"; } },
        markLine: { symbol: "none", lineStyle: { color: "#555", type: "dashed" }, label: { position: "insideEndTop", formatter: d.target_label + " " + d.target + "%" }, data: [{ xAxis: d.target }] },
      }],
    };
  }

  function lineOption(d) {
    return {
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + "%"; } },
      grid: { left: 8, right: 16, bottom: 8, top: 24, containLabel: true },
      xAxis: { type: "category", data: d.categories, axisLabel: { interval: 0, rotate: d.categories.length > 3 ? 30 : 0 } },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: [{
        name: d.label, type: "line", connectNulls: false, data: d.values, itemStyle: { color: "#2f6f9f" },
        markLine: { symbol: "none", lineStyle: { color: "#555", type: "dashed" }, label: { position: "insideEndTop", formatter: d.target_label + " " + d.target + "%" }, data: [{ yAxis: d.target }] },
      }],
    };
  }

  function draw() {
    var node = document.getElementById("sup-charts");
    if (!node || !window.echarts) return;
    var data = JSON.parse(node.textContent);
    data.forEach(function (d) {
      var el = document.querySelector('[data-sup-chart="' + d.key + '"]');
      if (!el) return;
      var line = el.dataset.supKind === "line";
      el.style.height = line ? "260px" : 40 + 30 * d.categories.length + "px";
      var chart = window.echarts.init(el);
      chart.setOption(line ? lineOption(d) : barOption(d));
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }

  function start() {
    if (document.fonts && document.fonts.ready) document.fonts.ready.then(draw); else draw();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
