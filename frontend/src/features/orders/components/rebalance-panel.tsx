import { useState } from "react";
import { advice } from "@/shared/api/api-error";
import { useStrategies } from "@/shared/api/endpoints/strategies";
import { DataTable, type Column } from "@/shared/components/data-table";
import { Empty, QueryView } from "@/shared/components/states";
import { fmtMoney, fmtNum, fmtPct } from "@/shared/lib/format";
import { usePreview, useSubmitRebalance, type PlannedOrder, type RebalanceResult } from "../api/rebalance";

const planColumns: Column<PlannedOrder>[] = [
  { key: "symbol", header: "Symbol", value: (o) => o.symbol },
  { key: "side", header: "Side", value: (o) => o.side },
  { key: "qty", header: "Quantity", value: (o) => Number(o.qty), render: (o) => fmtNum(o.qty, 0), numeric: true },
  { key: "type", header: "Type", value: (o) => o.type },
  { key: "price", header: "Price", value: (o) => Number(o.price), render: (o) => fmtMoney(o.price, true), numeric: true },
  { key: "notional", header: "Notional", value: (o) => Number(o.notional), render: (o) => fmtMoney(o.notional), numeric: true },
  { key: "expected_cost", header: "Expected cost", value: (o) => Number(o.expected_cost), render: (o) => fmtMoney(o.expected_cost, true), numeric: true },
];

function PlanView({ result }: { result: RebalanceResult }) {
  const p = result.plan;
  return (
    <>
      <dl className="stats">
        <div><dt>Equity</dt><dd>{fmtMoney(p.equity)}</dd></div>
        <div><dt>Free float</dt><dd>{fmtMoney(p.free_float)}</dd></div>
        <div><dt>Cash after</dt><dd>{fmtMoney(p.cash_after)}</dd></div>
        <div><dt>Expected costs</dt><dd>{fmtMoney(p.expected_costs, true)}</dd></div>
        <div><dt>Orders</dt><dd>{p.orders.length}</dd></div>
        <div><dt>Largest target</dt><dd>{fmtPct(Math.max(0, ...Object.values(result.targets)))}</dd></div>
      </dl>
      {p.orders.length ? (
        <DataTable title={`Rebalance plan ${result.strategy.name}`} columns={planColumns} rows={p.orders} rowKey={(o) => `${o.symbol}-${o.side}-${o.wave}`} />
      ) : (
        <p className="muted">Nothing to trade: the sleeve already holds its targets.</p>
      )}
    </>
  );
}

/** For traders: preview a strategy's rebalance (dry run), then submit it. */
export function RebalancePanel() {
  const strategies = useStrategies();
  const [picked, setPicked] = useState<number | null>(null);
  const preview = usePreview();
  const submit = useSubmitRebalance();
  return (
    <QueryView query={strategies} what="strategies" isEmpty={(d) => d.length === 0} empty={<Empty message="No strategies yet: create one with pas strategies create ... (or the demo ones)." hint="pas strategies demo" />}>
      {(list) => {
        const id = picked ?? list[0]?.id ?? 0;
        return (
          <div>
            <div className="controls">
              <label>
                Strategy
                <select value={id} onChange={(e) => { setPicked(Number(e.target.value)); preview.reset(); submit.reset(); }}>
                  {list.map((s) => <option key={s.id} value={s.id}>{s.name} ({s.scheme})</option>)}
                </select>
              </label>
              <button type="button" onClick={() => { submit.reset(); preview.mutate(id); }} disabled={preview.isPending}>
                {preview.isPending ? "Planning…" : "Preview rebalance"}
              </button>
              <button
                type="button"
                className="btn-primary"
                onClick={() => submit.mutate(id)}
                disabled={!preview.data || preview.data.strategy.id !== id || submit.isPending || submit.isSuccess}
                title="Reserve in the ledger and place the previewed orders"
              >
                {submit.isPending ? "Submitting…" : "Submit rebalance"}
              </button>
            </div>
            {preview.isError ? <p className="state state-error" role="alert">{advice(preview.error)}</p> : null}
            {submit.isError ? <p className="state state-error" role="alert">{advice(submit.error)}</p> : null}
            {submit.data ? (
              <p className="state state-ok" role="status">
                Submitted: {submit.data.orders.length} order(s) placed for {submit.data.strategy.name}; the Ledger and Account pages show them as they fill.
              </p>
            ) : null}
            {preview.data && !submit.data ? <PlanView result={preview.data} /> : null}
          </div>
        );
      }}
    </QueryView>
  );
}
