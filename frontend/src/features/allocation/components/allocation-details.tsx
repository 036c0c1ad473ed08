import { useCan } from "@/shared/auth/auth-context";
import { advice } from "@/shared/api/api-error";
import { Empty, QueryView } from "@/shared/components/states";
import { fmtDateTime, fmtNum, fmtPct } from "@/shared/lib/format";
import { useCreateAllocation, useLatestAllocation, type Allocation } from "../api/allocations";
import { CompareBars } from "./weights-charts";

function Compute({ method }: { method: string }) {
  const create = useCreateAllocation();
  if (!useCan("trader")) return null;
  return (
    <p>
      <button type="button" onClick={() => create.mutate(method)} disabled={create.isPending}>
        {create.isPending ? "Computing…" : `Compute ${method} now`}
      </button>
      {create.isError ? <span role="alert"> {advice(create.error)}</span> : null}
    </p>
  );
}

function Facts({ a }: { a: Allocation }) {
  const ran = a.method === a.requested_method ? a.method : `${a.method} (asked for ${a.requested_method})`;
  return (
    <dl className="stats">
      <div><dt>Scheme that ran</dt><dd>{ran}</dd></div>
      <div><dt>As of</dt><dd>{a.as_of ?? "—"}</dd></div>
      <div><dt>Expected return</dt><dd>{fmtPct(a.expected_return)}</dd></div>
      <div><dt>Volatility</dt><dd>{fmtPct(a.volatility)}</dd></div>
      <div><dt>Sharpe</dt><dd>{fmtNum(a.sharpe)}</dd></div>
      <div><dt>Solver</dt><dd>{a.solver ? `${a.solver.name ?? "?"} (${a.solver.status ?? "?"})` : "—"}</dd></div>
      <div><dt>Observations</dt><dd>{a.n_obs ?? "—"}</dd></div>
      <div><dt>Computed</dt><dd>{fmtDateTime(a.created_at)}</dd></div>
    </dl>
  );
}

/** Which fallback ran and why, and the data-coverage notes, of one stored allocation. */
export function AllocationNotes({ method }: { method: string }) {
  const latest = useLatestAllocation(method);
  const empty = (
    <>
      <Empty message={`No stored ${method} allocation yet: compute one to see its risk contributions and notes.`} hint={`pas allocate --method ${method}`} />
      <Compute method={method} />
    </>
  );
  return (
    <QueryView query={latest} what={`the latest ${method} allocation`} isEmpty={(d) => d === null} empty={empty}>
      {(a) =>
        a ? (
          <>
            <Facts a={a} />
            <h3>Fallback</h3>
            <p>{a.fallback ? a.fallback : `None: ${a.method} solved on its own.`}</p>
            <h3>Data coverage</h3>
            {a.notes.length ? (
              <ul>{a.notes.map((n) => <li key={n}>{n}</li>)}</ul>
            ) : (
              <p className="muted">Every symbol had the full {a.n_obs ?? ""}-day window; nothing was dropped.</p>
            )}
            <Compute method={method} />
          </>
        ) : null
      }
    </QueryView>
  );
}

/** Risk contributions of the two schemes' latest stored allocations. */
export function RiskContributions({ a, b }: { a: string; b: string }) {
  const qa = useLatestAllocation(a);
  const qb = useLatestAllocation(b);
  if (qa.isError) throw qa.error;
  if (qb.isError) throw qb.error;
  if (qa.data === undefined || qb.data === undefined) return <p className="state state-loading">Loading risk contributions…</p>;
  const ra = qa.data?.risk_contributions;
  const rb = qb.data?.risk_contributions;
  if (!ra && !rb) {
    return <Empty message={`No stored allocation of ${a} or ${b} yet: compute one (below, or pas allocate) to see risk contributions.`} />;
  }
  return <CompareBars title="Risk contributions" a={[a, ra ?? {}]} b={[b, rb ?? {}]} column="risk_contribution" />;
}
