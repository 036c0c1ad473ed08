// A Chart.js plugin drawing a whisker of ±1.96 standard errors on each bar
// (standard error = beta / t), passed to the one chart that needs it.
import type { Chart, Plugin } from "chart.js";

export interface ErrorBarOptions {
  /** Standard error per dataset and bar, in the value's units (null: no whisker). */
  errors: (number | null)[][];
  color: string;
}

export function errorBarsPlugin(options: ErrorBarOptions): Plugin<"bar"> {
  return {
    id: "pasErrorBars",
    afterDatasetsDraw(chart: Chart<"bar">) {
      const { ctx } = chart;
      const y = chart.scales.y;
      if (!y) return;
      ctx.save();
      ctx.strokeStyle = options.color;
      ctx.lineWidth = 1.25;
      chart.data.datasets.forEach((dataset, d) => {
        const meta = chart.getDatasetMeta(d);
        if (meta.hidden) return;
        meta.data.forEach((bar, i) => {
          const value = dataset.data[i];
          const se = options.errors[d]?.[i];
          if (typeof value !== "number" || se === null || se === undefined || !Number.isFinite(se)) return;
          const top = y.getPixelForValue(value + 1.96 * se);
          const bottom = y.getPixelForValue(value - 1.96 * se);
          const x = bar.x;
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, bottom);
          ctx.moveTo(x - 3, top);
          ctx.lineTo(x + 3, top);
          ctx.moveTo(x - 3, bottom);
          ctx.lineTo(x + 3, bottom);
          ctx.stroke();
        });
      });
      ctx.restore();
    },
  };
}

/** The standard error of a coefficient from its t-statistic. */
export function standardError(beta: number | null, t: number | null): number | null {
  if (beta === null || t === null || t === 0) return null;
  return Math.abs(beta / t);
}
