import { useMemo, useState } from "react";
import { useSleeves } from "@/shared/api/endpoints/ledger";
import { lastPriceDate, useSecurities, yearsBefore } from "@/shared/api/endpoints/securities";
import { ChartBox } from "@/shared/components/chart-box";
import { DataTable } from "@/shared/components/data-table";
import { Panel } from "@/shared/components/panel";
import { Empty, QueryView } from "@/shared/components/states";
import { fmtNum, fmtPct } from "@/shared/lib/format";
import { colour } from "@/shared/lib/palette";
import { usePremia, useRegression, useRolling, type Regression } from "../api/factors";
import { sleeveBetas } from "../lib/sleeve-betas";
import { RollingBetasChart, SleeveBetasChart, StockBetasChart } from "./beta-charts";

const PERIODS = [
  { id: "5", label: "5 years" },
  { id: "10", label: "10 years" },
  { id: "all", label: "All" },
];

function yearsBack(last: string | null, years: string): string | undefined {
  return !last || years === "all" ? undefined : yearsBefore(last, Number(years));
}

function SleeveBetas({ regression }: { regression: Regression }) {
  const sleeves = useSleeves();
  return (
    <QueryView query={sleeves} what="sleeves">
      {(data) => {
        const rows = data.flatMap((s) => {
          const betas = sleeveBetas(s, regression.rows);
          return betas ? [{ name: s.name, betas }] : [];
        });
        if (rows.length === 0) {
          return <Empty message="No sleeve holds positions yet: rebalance a strategy (Orders page, or the command below) to see its betas." hint="pas rebalance demo-max_sharpe" />;
        }
        return <SleeveBetasChart sleeves={rows} />;
      }}
    </QueryView>
  );
}

function Premia() {
  const premia = usePremia();
  return (
    <QueryView query={premia} what="factor premia" isEmpty={(d) => d.rows.length === 0} empty={<Empty message="No factor data yet." hint="pas data load-demo" />}>
      {(d) => {
        const rows = d.rows.filter((r) => r.factor !== "rf");
        return (
          <>
            <ChartBox
              type="bar"
              title="Factor premia (annual)"
              height={220}
              data={{ labels: rows.map((r) => r.factor), datasets: [{ label: "premium", data: rows.map((r) => r.premium_annual), backgroundColor: rows.map((_, i) => colour(i)) }] }}
              options={{ plugins: { legend: { display: false } }, scales: { y: { ticks: { callback: (v) => `${(Number(v) * 100).toFixed(0)}%` } } } }}
              csv={() => ({ header: ["factor", "premium_annual", "vol_annual", "t_stat", "n_obs", "first", "last"], rows: d.rows.map((r) => [r.factor, r.premium_annual, r.vol_annual, r.t_stat, r.n_obs, r.first, r.last]) })}
            />
            <DataTable
              title="Factor premia"
              rows={d.rows}
              rowKey={(r) => r.factor}
              columns={[
                { key: "factor", header: "Factor", value: (r) => r.factor },
                { key: "premium_annual", header: "Premium", value: (r) => r.premium_annual, render: (r) => fmtPct(r.premium_annual, 2), numeric: true },
                { key: "vol_annual", header: "Vol", value: (r) => r.vol_annual, render: (r) => fmtPct(r.vol_annual), numeric: true },
                { key: "t_stat", header: "t", value: (r) => r.t_stat, render: (r) => fmtNum(r.t_stat), numeric: true },
                { key: "first", header: "From", value: (r) => r.first },
                { key: "last", header: "To", value: (r) => r.last },
              ]}
            />
          </>
        );
      }}
    </QueryView>
  );
}

export function FactorsPage() {
  const securities = useSecurities();
  const last = lastPriceDate(securities.data);
  const [period, setPeriod] = useState("5");
  const start = yearsBack(last, period);
  const regression = useRegression(start, last !== null);
  const symbols = useMemo(() => (securities.data ?? []).filter((s) => s.sector).map((s) => s.symbol), [securities.data]);
  const [picked, setPicked] = useState<string | null>(null);
  const symbol = picked ?? symbols[0] ?? null;
  const rolling = useRolling(last === null ? null : symbol, start);

  return (
    <>
      <div className="page-head">
        <h1>Factors</h1>
        <div className="controls">
          <label>
            Regression window
            <select value={period} onChange={(e) => setPeriod(e.target.value)}>
              {PERIODS.map((p) => <option key={p.id} value={p.id}>{p.label}</option>)}
            </select>
          </label>
          <label>
            Rolling betas of
            <select value={symbol ?? ""} onChange={(e) => setPicked(e.target.value)}>
              {symbols.map((s) => <option key={s} value={s}>{s}</option>)}
            </select>
          </label>
        </div>
      </div>
      <div className="grid">
        <Panel title="Betas per stock" wide>
          <QueryView query={regression} what="factor regressions" isEmpty={(d) => d.rows.length === 0} empty={<Empty message="No prices or factors to regress yet." hint="pas data load-demo" />}>
            {(d) => (
              <>
                <StockBetasChart rows={d.rows.filter((r) => symbols.includes(r.symbol))} />
                <p className="muted note">{d.note}</p>
              </>
            )}
          </QueryView>
        </Panel>
        <Panel title="Betas per sleeve">
          <QueryView query={regression} what="factor regressions">
            {(d) => <SleeveBetas regression={d} />}
          </QueryView>
        </Panel>
        <Panel title="Rolling betas">
          <QueryView query={rolling} what="rolling betas" isEmpty={(d) => d.rows.length === 0}>
            {(d) => <RollingBetasChart symbol={d.symbol} rows={d.rows} />}
          </QueryView>
        </Panel>
        <Panel title="Factor premia" wide>
          <Premia />
        </Panel>
      </div>
    </>
  );
}
