import { useAccountTotals, useSleeves, sleeveEquity } from "@/shared/api/endpoints/ledger";
import { useMetricsSummary } from "@/shared/api/metrics/get-metrics-summary";
import { QueryView } from "@/shared/components/states";
import { fmtMoney, fmtPct } from "@/shared/lib/format";

/** The brokerage account at a glance: cash, what the sleeves hold, what is unallocated. */
export function AccountSummary() {
  const totals = useAccountTotals();
  const sleeves = useSleeves();
  const metrics = useMetricsSummary();
  return (
    <QueryView query={totals} what="the account">
      {(t) => {
        const invested = sleeves.data?.reduce((s, x) => s + sleeveEquity(x), 0);
        const account = metrics.data?.account;
        const items: [string, string][] = [
          ["Broker cash", fmtMoney(t.account_cash)],
          ["Sleeves' equity", invested === undefined ? "…" : fmtMoney(invested)],
          ["Unallocated cash", fmtMoney(t.unallocated)],
          ["Reserved", fmtMoney(t.reserved)],
          ["Free float", fmtMoney(t.free_float)],
          ["Realised PnL", fmtMoney(t.realized_pnl)],
          ["Open reservations", String(t.open_reservations)],
        ];
        if (account) {
          items.push(["Today (account)", fmtPct(account.daily_return, 2)], ["Cumulative (account)", fmtPct(account.cumulative_return)]);
        }
        return (
          <>
            <dl className="stats">
              {items.map(([label, value]) => (
                <div key={label}>
                  <dt>{label}</dt>
                  <dd>{value}</dd>
                </div>
              ))}
            </dl>
            {metrics.data?.stale ? (
              <p className="state state-warn" role="status">
                Prices or factors are stale (older than the updater allows): returns are as of {metrics.data.as_of ?? "the last data"}.
              </p>
            ) : null}
          </>
        );
      }}
    </QueryView>
  );
}
