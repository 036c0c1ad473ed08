import { useCan } from "@/shared/auth/auth-context";
import { advice } from "@/shared/api/api-error";
import { useRunReconciliation } from "../api/run-reconciliation";

/** The last reconciliation of this session (the API keeps no history to read yet). */
export function ReconciliationPanel() {
  const trader = useCan("trader");
  const run = useRunReconciliation();
  if (!trader) {
    return (
      <p className="muted">
        Reconciling the ledger with the broker needs a trader key. From a shell: <code>pas reconcile</code>.
      </p>
    );
  }
  const report = run.data;
  return (
    <div>
      <button type="button" onClick={() => run.mutate()} disabled={run.isPending}>
        {run.isPending ? "Reconciling…" : "Reconcile now"}
      </button>
      {run.isError ? (
        <p className="state state-error" role="alert">
          {advice(run.error)}
        </p>
      ) : null}
      {report ? (
        <p role="status" className={report.ok ? "state state-ok" : "state state-warn"}>
          {report.ok ? "Ledger and broker agree" : `${report.differences.length} difference(s) remain`}: {report.checked_orders} order(s)
          checked, {report.recovered_fills} missed fill(s) recovered, {report.repaired} repaired.
        </p>
      ) : (
        <p className="muted">Not run in this session yet.</p>
      )}
      {report && report.differences.length > 0 ? <pre className="json">{JSON.stringify(report.differences, null, 2)}</pre> : null}
    </div>
  );
}
