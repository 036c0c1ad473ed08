import type { SchemeMetrics } from "@/shared/api/endpoints/evaluations";
import { DataTable, type Column } from "@/shared/components/data-table";
import { fmtNum, fmtPct } from "@/shared/lib/format";

type Row = SchemeMetrics & { scheme: string };

const pct = (key: keyof SchemeMetrics, header: string, digits = 1): Column<Row> => ({
  key, header, value: (r) => r[key], render: (r) => fmtPct(r[key], digits), numeric: true,
});
const num = (key: keyof SchemeMetrics, header: string): Column<Row> => ({
  key, header, value: (r) => r[key], render: (r) => fmtNum(r[key]), numeric: true,
});

const columns: Column<Row>[] = [
  { key: "scheme", header: "Scheme", value: (r) => r.scheme },
  pct("cagr", "CAGR"),
  pct("volatility_annual", "Vol"),
  num("sharpe", "Sharpe"),
  num("sortino", "Sortino"),
  pct("max_drawdown", "Max DD"),
  pct("turnover_annual", "Turnover"),
  num("psr", "PSR"),
  pct("alpha_ff3_annual", "FF3 α", 2),
  num("t_alpha_ff3", "t(α)"),
];

/** Every scheme's metrics side by side. */
export function MetricsTable({ metrics }: { metrics: Record<string, SchemeMetrics> }) {
  const rows = Object.entries(metrics).map(([scheme, m]) => ({ scheme, ...m }));
  return <DataTable title="Scheme metrics" columns={columns} rows={rows} rowKey={(r) => r.scheme} />;
}
