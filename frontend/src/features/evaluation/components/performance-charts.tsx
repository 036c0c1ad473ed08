import type { ChartOptions } from "chart.js";
import { useMemo } from "react";
import { ChartBox, type CsvTable } from "@/shared/components/chart-box";
import { seriesStyle } from "@/shared/lib/palette";
import { drawdowns, equityCurve, rollingSharpe, type Point } from "@/shared/lib/series";
import type { SchemeReturns } from "../api/get-returns";

interface Series {
  method: string;
  points: Point[];
}

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function lineOptions(yTitle: string, yType: "linear" | "logarithmic", percent: boolean): ChartOptions<"line"> {
  return {
    parsing: false,
    normalized: true,
    spanGaps: true,
    interaction: { mode: "nearest", axis: "x", intersect: false },
    elements: { point: { radius: 0 }, line: { borderWidth: 1.5 } },
    plugins: {
      decimation: { enabled: true, algorithm: "lttb", samples: 600 },
      tooltip: {
        callbacks: {
          title: (items) => (items[0] ? isoDate(items[0].parsed.x ?? 0) : ""),
          label: (item) => `${item.dataset.label ?? ""}: ${percent ? `${((item.parsed.y ?? 0) * 100).toFixed(1)}%` : (item.parsed.y ?? 0).toFixed(2)}`,
        },
      },
    },
    scales: {
      x: { type: "linear", ticks: { maxTicksLimit: 8, callback: (v) => isoDate(Number(v)).slice(0, 7) } },
      y: {
        type: yType,
        title: { display: true, text: yTitle },
        ticks: { callback: (v) => (percent ? `${Math.round(Number(v) * 100)}%` : Number(v).toFixed(yType === "logarithmic" ? 1 : 2)) },
      },
    },
  };
}

function toCsv(series: Series[], column: string): CsvTable {
  const byDate = new Map<number, (number | null)[]>();
  series.forEach((s, i) => {
    for (const p of s.points) {
      const row = byDate.get(p.x) ?? series.map(() => null);
      row[i] = p.y;
      byDate.set(p.x, row);
    }
  });
  const header = ["date", ...series.map((s) => `${s.method}_${column}`)];
  const rows = [...byDate.entries()].sort((a, b) => a[0] - b[0]).map(([x, values]) => [isoDate(x), ...values]);
  return { header, rows };
}

function SeriesChart(props: { title: string; series: Series[]; yTitle: string; column: string; log?: boolean; percent?: boolean }) {
  const { title, series, yTitle, column, log = false, percent = false } = props;
  const data = useMemo(
    () => ({
      datasets: series.map((s, i) => {
        const style = seriesStyle(i);
        return { label: s.method, data: s.points, borderColor: style.color, backgroundColor: style.color, borderDash: style.dash };
      }),
    }),
    [series],
  );
  const options = useMemo(() => lineOptions(yTitle, log ? "logarithmic" : "linear", percent), [yTitle, log, percent]);
  return <ChartBox type="line" title={title} data={data} options={options} csv={() => toCsv(series, column)} height={320} />;
}

/** Equity curves (log-scale toggle), drawdowns and rolling 1-year Sharpe of every scheme. */
export function PerformanceCharts({ returns, log }: { returns: SchemeReturns[]; log: boolean }) {
  const derived = useMemo(
    () =>
      returns.map(({ method, rows }) => {
        const dates = rows.map((r) => r.date);
        const net = rows.map((r) => r.net);
        const equity = equityCurve(dates, net);
        return { method, equity, drawdown: drawdowns(equity), sharpe: rollingSharpe(dates, net, 252) };
      }),
    [returns],
  );
  return (
    <>
      <SeriesChart
        title="Equity curves (growth of 1, net of costs)"
        series={derived.map((d) => ({ method: d.method, points: d.equity }))}
        yTitle="growth of 1"
        column="equity"
        log={log}
      />
      <div className="chart-grid">
        <SeriesChart title="Drawdowns" series={derived.map((d) => ({ method: d.method, points: d.drawdown }))} yTitle="drawdown" column="drawdown" percent />
        <SeriesChart
          title="Rolling 1-year Sharpe"
          series={derived.map((d) => ({ method: d.method, points: d.sharpe }))}
          yTitle="Sharpe (252 days)"
          column="rolling_sharpe"
        />
      </div>
    </>
  );
}
