import { useMemo, useState } from "react";
import { useEvaluation, useMethodWeights, type Rebalance } from "@/shared/api/endpoints/evaluations";
import { sectorOf, useLastPriceDate, useSecurities, yearsBefore } from "@/shared/api/endpoints/securities";
import { Panel } from "@/shared/components/panel";
import { Empty, Loading, QueryView } from "@/shared/components/states";
import { AllocationNotes, RiskContributions } from "./allocation-details";
import { CompareBars, SectorDoughnut } from "./weights-charts";

function lastWeights(rebalances: Rebalance[] | undefined): Record<string, number> | undefined {
  return rebalances?.[rebalances.length - 1]?.weights;
}

function bySector(weights: Record<string, number>, sectors: Map<string, string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [symbol, w] of Object.entries(weights)) {
    const sector = symbol === "CASH" ? "Cash" : (sectors.get(symbol) ?? "Unknown");
    out[sector] = (out[sector] ?? 0) + w;
  }
  return out;
}

function Weights({ a, b }: { a: string; b: string }) {
  const wa = useMethodWeights(a);
  const wb = useMethodWeights(b);
  const securities = useSecurities();
  const sectors = useMemo(() => sectorOf(securities.data ?? []), [securities.data]);
  if (wa.isError) throw wa.error;
  if (wb.isError) throw wb.error;
  const la = lastWeights(wa.data?.rebalances);
  const lb = lastWeights(wb.data?.rebalances);
  if (!wa.data || !wb.data || !securities.data) return <Loading what="current weights" />;
  if (!la || !lb) return <Empty message="No rebalance in the evaluation yet." hint="pas evaluate --update" />;
  const sa = bySector(la, sectors);
  const sb = bySector(lb, sectors);
  const order = [...new Set([...Object.keys(sa), ...Object.keys(sb)])].sort();
  const date = wa.data.rebalances[wa.data.rebalances.length - 1]?.date;
  return (
    <>
      <p className="muted note">Weights held after the last rebalance of the evaluation ({date}).</p>
      <CompareBars title="Current weights" a={[a, la]} b={[b, lb]} column="weight" />
      <div className="chart-grid">
        <SectorDoughnut title={`Sectors: ${a}`} sectors={sa} order={order} />
        <SectorDoughnut title={`Sectors: ${b}`} sectors={sb} order={order} />
      </div>
    </>
  );
}

function SchemePicker(props: { label: string; value: string; methods: string[]; onChange: (m: string) => void }) {
  return (
    <label>
      {props.label}
      <select value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {props.methods.map((m) => (
          <option key={m} value={m}>
            {m}
          </option>
        ))}
      </select>
    </label>
  );
}

export function AllocationPage() {
  // the same read as the Evaluation page's default period, so either page warms the other
  const last = useLastPriceDate();
  const evaluation = useEvaluation({ start: last ? yearsBefore(last, 10) : undefined }, last !== null);
  const methods = evaluation.data ? Object.keys(evaluation.data.metrics) : [];
  const [picked, setPicked] = useState<{ a?: string; b?: string }>({});
  const a = picked.a ?? methods[0] ?? "max_sharpe";
  const b = picked.b ?? methods[1] ?? methods[0] ?? "min_variance";
  return (
    <>
      <div className="page-head">
        <h1>Allocation</h1>
        {methods.length ? (
          <div className="controls">
            <SchemePicker label="Scheme A" value={a} methods={methods} onChange={(m) => setPicked({ ...picked, a: m })} />
            <SchemePicker label="Scheme B" value={b} methods={methods} onChange={(m) => setPicked({ ...picked, b: m })} />
          </div>
        ) : null}
      </div>
      <div className="grid">
        <Panel title="Weights and sectors" wide>
          <QueryView query={evaluation} what="the schemes" isEmpty={(d) => d === null} empty={<Empty message="No evaluation has run yet." hint="pas evaluate --update" />}>
            {() => <Weights a={a} b={b} />}
          </QueryView>
        </Panel>
        <Panel title="Risk contributions" wide>
          <RiskContributions a={a} b={b} />
        </Panel>
        <Panel title={`Fallback and data coverage: ${a}`}>
          <AllocationNotes method={a} />
        </Panel>
        <Panel title={`Fallback and data coverage: ${b}`}>
          <AllocationNotes method={b} />
        </Panel>
      </div>
    </>
  );
}
