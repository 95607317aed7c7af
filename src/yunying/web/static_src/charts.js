// Only the parts the analytics pages draw (bar, line, pie, heatmap; title, tooltip, legend, grid, visual map,
// mark lines; the canvas renderer): a charted page loads about a third of the whole library.
import * as echarts from "echarts/core";
import { BarChart, HeatmapChart, LineChart, PieChart } from "echarts/charts";
import {
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent,
} from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([
  BarChart,
  HeatmapChart,
  LineChart,
  PieChart,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent,
  CanvasRenderer,
]);

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
