import * as echarts from "echarts";

window.echarts = echarts;

// Any element with data-chart='<json option>' becomes a chart, resized with its container.
function mountCharts(root) {
  root.querySelectorAll("[data-chart]").forEach((el) => {
    if (el.dataset.chartMounted) return;
    const chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(JSON.parse(el.dataset.chart));
    el.dataset.chartMounted = "1";
    new ResizeObserver(() => chart.resize()).observe(el);
  });
}
document.addEventListener("DOMContentLoaded", () => mountCharts(document));
document.addEventListener("htmx:afterSwap", (e) => mountCharts(e.target));
