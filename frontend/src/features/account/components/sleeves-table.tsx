import { useMemo } from "react";
import { marketValue, sleeveEquity, type Sleeve } from "@/shared/api/endpoints/ledger";
import { lastPriceDate, useSecurities } from "@/shared/api/endpoints/securities";
import { useStrategies, type Strategy } from "@/shared/api/endpoints/strategies";
import { useMetricsSummary } from "@/shared/api/metrics/get-metrics-summary";
import { DataTable, type Column } from "@/shared/components/data-table";
import { nextRun } from "@/shared/lib/cron";
import { fmtDateTime, fmtMoney, fmtPct } from "@/shared/lib/format";
import { usePreviousCloses } from "../api/get-previous-closes";
import { sleeveReturns, type SleeveReturns } from "../lib/returns";

export interface SleeveRow {
  sleeve: Sleeve;
  strategy: Strategy | undefined;
  returns: SleeveReturns;
  next: string | null;
}

function nextRebalance(strategy: Strategy | undefined, now: Date): string | null {
  if (!strategy?.schedule) return null;
  try {
    return nextRun(strategy.schedule, now)?.toISOString() ?? null;
  } catch {
    return null;
  }
}

/** Rows of the sleeves table, with returns from the metrics job or derived in the browser. */
export function useSleeveRows(sleeves: Sleeve[]): SleeveRow[] {
  const strategies = useStrategies();
  const metrics = useMetricsSummary();
  const securities = useSecurities();
  const held = useMemo(() => [...new Set(sleeves.flatMap((s) => s.positions.map((p) => p.symbol)))], [sleeves]);
  const lastDate = lastPriceDate(securities.data);
  const closes = usePreviousCloses(held, lastDate);
  return useMemo(() => {
    const now = new Date();
    return sleeves.map((sleeve) => {
      const strategy = strategies.data?.find((s) => s.sleeve_id === sleeve.id);
      const row = metrics.data?.sleeves.find((m) => m.sleeve_id === sleeve.id);
      return { sleeve, strategy, returns: sleeveReturns(sleeve, row, closes.data), next: nextRebalance(strategy, now) };
    });
  }, [sleeves, strategies.data, metrics.data, closes.data]);
}

const columns: Column<SleeveRow>[] = [
  { key: "sleeve", header: "Sleeve", value: (r) => r.sleeve.name },
  { key: "scheme", header: "Scheme", value: (r) => r.strategy?.scheme ?? "" },
  { key: "cash", header: "Cash", value: (r) => Number(r.sleeve.cash), render: (r) => fmtMoney(r.sleeve.cash), numeric: true },
  { key: "reserved", header: "Reserved", value: (r) => Number(r.sleeve.reserved), render: (r) => fmtMoney(r.sleeve.reserved), numeric: true },
  { key: "free_float", header: "Free float", value: (r) => Number(r.sleeve.free_float), render: (r) => fmtMoney(r.sleeve.free_float), numeric: true },
  { key: "market_value", header: "Market value", value: (r) => marketValue(r.sleeve), render: (r) => fmtMoney(marketValue(r.sleeve)), numeric: true },
  { key: "equity", header: "Equity", value: (r) => sleeveEquity(r.sleeve), render: (r) => fmtMoney(sleeveEquity(r.sleeve)), numeric: true },
  { key: "today", header: "Today", value: (r) => r.returns.today, render: (r) => fmtPct(r.returns.today, 2), numeric: true },
  { key: "cumulative", header: "Cumulative", value: (r) => r.returns.cumulative, render: (r) => fmtPct(r.returns.cumulative, 2), numeric: true },
  { key: "next_rebalance", header: "Next rebalance", value: (r) => r.next ?? "", render: (r) => (r.next ? fmtDateTime(r.next) : "not scheduled") },
];

export function SleevesTable({ rows }: { rows: SleeveRow[] }) {
  const derived = rows.some((r) => r.returns.source === "derived");
  return (
    <>
      <DataTable title="Sleeves" columns={columns} rows={rows} rowKey={(r) => r.sleeve.id} />
      {derived ? (
        <p className="muted note">
          Returns marked here are derived in the browser until the updater's metrics job has run: cumulative = PnL over
          the capital put in, today = the held positions' move between the last two closes.
        </p>
      ) : null}
    </>
  );
}
