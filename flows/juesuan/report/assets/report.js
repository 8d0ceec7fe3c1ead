// Draws every chart of the page (ECharts, SVG renderer) and runs the overview's search and filters. No network.
(function () {
  "use strict";
  function drawCharts() {
    document.querySelectorAll("div.chart[data-option]").forEach(function (el) {
      var chart = echarts.init(el, null, { renderer: "svg", locale: "ZH" });
      chart.setOption(JSON.parse(el.getAttribute("data-option")));
      el.setAttribute("data-drawn", "true");
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  function filterRows() {
    var form = document.getElementById("filters");
    if (!form) return;
    var text = form.querySelector("[name=q]").value.trim().toLowerCase();
    var region = form.querySelector("[name=region]").value;
    var kind = form.querySelector("[name=kind]").value;
    var year = form.querySelector("[name=year]").value;
    document.querySelectorAll("table.filterable").forEach(function (table) {
      var shown = 0;
      table.querySelectorAll("tbody tr").forEach(function (row) {
        var ok = (!text || row.getAttribute("data-search").indexOf(text) >= 0) &&
          (!region || row.getAttribute("data-region") === region) &&
          (!kind || (" " + row.getAttribute("data-kinds") + " ").indexOf(" " + kind + " ") >= 0) &&
          (!year || (" " + row.getAttribute("data-years") + " ").indexOf(" " + year + " ") >= 0);
        row.hidden = !ok;
        if (ok) shown += 1;
      });
      var counter = document.getElementById(table.id + "-count");
      if (counter) counter.textContent = shown;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    drawCharts();
    var form = document.getElementById("filters");
    if (form) {
      // index.html?region=上海市&year=2024 opens filtered: a filtered view can be linked to.
      var params = new URLSearchParams(window.location.search);
      ["q", "region", "kind", "year"].forEach(function (name) {
        if (params.has(name)) form.querySelector("[name=" + name + "]").value = params.get(name);
      });
      form.addEventListener("input", filterRows);
      form.addEventListener("submit", function (e) { e.preventDefault(); });
      filterRows();
    }
  });
})();
