// Chart.js is registered here, once, with only the parts the dashboard uses.
import {
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Decimation,
  DoughnutController,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
  type Plugin,
} from "chart.js";

/** Marks a canvas once it has drawn (the end-to-end tests and the render budget wait for it). */
const renderedMarker: Plugin = {
  id: "pasRendered",
  afterRender(chart) {
    const canvas = chart.canvas;
    if (canvas.dataset.rendered !== "true") canvas.dataset.rendered = "true";
  },
};

const THEMES = {
  light: { text: "#1f2933", grid: "rgba(0, 0, 0, 0.1)" },
  dark: { text: "#d9e2ec", grid: "rgba(255, 255, 255, 0.14)" },
};

export function applyChartTheme(dark: boolean): void {
  const theme = dark ? THEMES.dark : THEMES.light;
  Chart.defaults.color = theme.text;
  Chart.defaults.borderColor = theme.grid;
  Object.values(Chart.instances).forEach((chart) => chart.update("none"));
}

let registered = false;

export function registerCharts(): void {
  if (registered) return;
  registered = true;
  Chart.register(
    ArcElement, BarController, BarElement, CategoryScale, Decimation, DoughnutController, Filler,
    Legend, LinearScale, LineController, LineElement, LogarithmicScale, PointElement, Tooltip,
    renderedMarker,
  );
  Chart.defaults.animation = false; // long histories draw at once; motion adds nothing here
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
  Chart.defaults.plugins.legend.labels.boxWidth = 12;
  const media = typeof window.matchMedia === "function" ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  applyChartTheme(media?.matches ?? false);
  media?.addEventListener("change", (event) => applyChartTheme(event.matches));
}

registerCharts();
