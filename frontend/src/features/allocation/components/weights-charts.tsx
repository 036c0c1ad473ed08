import type { ChartOptions } from "chart.js";
import { ChartBox } from "@/shared/components/chart-box";
import { colour } from "@/shared/lib/palette";

const percentAxis: ChartOptions<"bar"> = {
  scales: { y: { ticks: { callback: (v) => `${(Number(v) * 100).toFixed(Math.abs(Number(v)) < 0.1 ? 1 : 0)}%` } } },
  plugins: { tooltip: { callbacks: { label: (i) => `${i.dataset.label ?? ""}: ${((i.parsed.y ?? 0) * 100).toFixed(1)}%` } } },
};

/** Weights (or risk contributions) of two schemes, side by side per symbol. */
export function CompareBars(props: { title: string; a: [string, Record<string, number>]; b: [string, Record<string, number>]; column: string }) {
  const [nameA, wa] = props.a;
  const [nameB, wb] = props.b;
  const symbols = [...new Set([...Object.keys(wa), ...Object.keys(wb)])].sort();
  return (
    <ChartBox
      type="bar"
      title={props.title}
      data={{
        labels: symbols,
        datasets: [
          { label: nameA, data: symbols.map((s) => wa[s] ?? 0), backgroundColor: colour(0) },
          { label: nameB, data: symbols.map((s) => wb[s] ?? 0), backgroundColor: colour(1) },
        ],
      }}
      options={percentAxis}
      csv={() => ({
        header: ["symbol", `${nameA}_${props.column}`, `${nameB}_${props.column}`],
        rows: symbols.map((s) => [s, wa[s] ?? 0, wb[s] ?? 0]),
      })}
    />
  );
}

/** Sector weights of one scheme. */
export function SectorDoughnut(props: { title: string; sectors: Record<string, number>; order: string[] }) {
  const { title, sectors, order } = props;
  const entries = Object.entries(sectors).filter(([, w]) => w > 1e-6).sort((x, y) => y[1] - x[1]);
  // a sector keeps its colour across charts: its place in `order`, not in this chart
  const colourOf = (sector: string) => colour(Math.max(0, order.indexOf(sector)));
  return (
    <ChartBox
      type="doughnut"
      title={title}
      height={260}
      data={{
        labels: entries.map(([s]) => s),
        datasets: [{ data: entries.map(([, w]) => w), backgroundColor: entries.map(([s]) => colourOf(s)), borderWidth: 1 }],
      }}
      options={{
        plugins: {
          legend: { position: "right" },
          tooltip: { callbacks: { label: (i) => `${i.label}: ${((i.raw as number) * 100).toFixed(1)}%` } },
        },
      }}
      csv={() => ({ header: ["sector", "weight"], rows: entries })}
    />
  );
}
