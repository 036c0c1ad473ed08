import { useMemo } from "react";
import { ChartBox } from "@/shared/components/chart-box";
import { colour, seriesStyle } from "@/shared/lib/palette";
import type { RegressionRow, RollingRow } from "../api/factors";
import { errorBarsPlugin, standardError } from "../lib/error-bars";
import { FACTORS, type Factor } from "../lib/sleeve-betas";

const whisker = () => (window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "#e4ebf2" : "#1f2933");

/** FF3 betas per stock with ±1.96 standard-error whiskers. */
export function StockBetasChart({ rows }: { rows: RegressionRow[] }) {
  const plugin = useMemo(
    () => errorBarsPlugin({ errors: FACTORS.map((f) => rows.map((r) => standardError(r[`beta_${f}`], r[`t_${f}`]))), color: whisker() }),
    [rows],
  );
  return (
    <ChartBox
      type="bar"
      title="FF3 betas per stock (±1.96 s.e.)"
      height={320}
      data={{
        labels: rows.map((r) => r.symbol),
        datasets: FACTORS.map((f, i) => ({ label: `β ${f}`, data: rows.map((r) => r[`beta_${f}`] ?? 0), backgroundColor: colour(i) })),
      }}
      plugins={[plugin]}
      csv={() => ({
        header: ["symbol", ...FACTORS.flatMap((f) => [`beta_${f}`, `t_${f}`]), "alpha_annual", "t_alpha", "r2", "n_obs"],
        rows: rows.map((r) => [r.symbol, ...FACTORS.flatMap((f) => [r[`beta_${f}`], r[`t_${f}`]]), r.alpha_annual, r.t_alpha, r.r2, r.n_obs]),
      })}
    />
  );
}

/** Value-weighted FF3 betas per sleeve. */
export function SleeveBetasChart({ sleeves }: { sleeves: { name: string; betas: Record<Factor, number> }[] }) {
  return (
    <ChartBox
      type="bar"
      title="FF3 betas per sleeve"
      data={{
        labels: sleeves.map((s) => s.name),
        datasets: FACTORS.map((f, i) => ({ label: `β ${f}`, data: sleeves.map((s) => s.betas[f]), backgroundColor: colour(i) })),
      }}
      csv={() => ({ header: ["sleeve", ...FACTORS.map((f) => `beta_${f}`)], rows: sleeves.map((s) => [s.name, ...FACTORS.map((f) => s.betas[f])]) })}
    />
  );
}

const dateMs = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Rolling 252-day betas of one stock. */
export function RollingBetasChart({ symbol, rows }: { symbol: string; rows: RollingRow[] }) {
  const data = useMemo(
    () => ({
      datasets: FACTORS.map((f, i) => {
        const style = seriesStyle(i);
        return {
          label: `β ${f}`,
          data: rows.map((r) => ({ x: dateMs(r.date), y: r[`beta_${f}`] ?? Number.NaN })),
          borderColor: style.color,
          backgroundColor: style.color,
          pointRadius: 0,
          borderWidth: 1.5,
        };
      }),
    }),
    [rows],
  );
  return (
    <ChartBox
      type="line"
      title={`Rolling 1-year betas: ${symbol}`}
      data={data}
      options={{
        parsing: false,
        normalized: true,
        interaction: { mode: "nearest", axis: "x", intersect: false },
        plugins: { decimation: { enabled: true, algorithm: "lttb", samples: 500 } },
        scales: { x: { type: "linear", ticks: { maxTicksLimit: 8, callback: (v) => isoDate(Number(v)).slice(0, 7) } } },
      }}
      csv={() => ({ header: ["date", ...FACTORS.map((f) => `beta_${f}`)], rows: rows.map((r) => [r.date, ...FACTORS.map((f) => r[`beta_${f}`])]) })}
    />
  );
}
