// Each sleeve's returns: from the metrics job when it has run, else derived here
// from the ledger (PnL over the capital put in) and the last two closes.
import type { MetricsRow } from "@/shared/api/metrics/types";
import { sleeveEquity, type Sleeve } from "@/shared/api/endpoints/ledger";
import type { Closes } from "../api/get-previous-closes";

export interface SleeveReturns {
  today: number | null;
  cumulative: number | null;
  /** "metrics" when the updater computed them, "derived" when computed in the browser. */
  source: "metrics" | "derived";
}

/** Cumulative return on the capital in the sleeve: PnL / (equity - PnL). */
export function cumulativeFromLedger(sleeve: Sleeve): number | null {
  const unrealized = sleeve.positions.reduce((s, p) => s + Number(p.unrealized_pnl ?? 0), 0);
  const pnl = Number(sleeve.realized_pnl) + unrealized;
  const invested = sleeveEquity(sleeve) - pnl;
  return invested > 0 ? pnl / invested : null;
}

/** Today's return of the positions held now: sum of qty x (last - previous close) over yesterday's equity. */
export function todayFromCloses(sleeve: Sleeve, closes: Closes | undefined): number | null {
  if (!closes) return null;
  let change = 0;
  for (const p of sleeve.positions) {
    const last = closes.latest.get(p.symbol);
    const before = closes.previous.get(p.symbol);
    if (last === undefined || before === undefined) return null;
    change += Number(p.qty) * (last - before);
  }
  const yesterday = sleeveEquity(sleeve) - change;
  return yesterday > 0 ? change / yesterday : null;
}

export function sleeveReturns(sleeve: Sleeve, metrics: MetricsRow | undefined, closes: Closes | undefined): SleeveReturns {
  if (metrics && (metrics.daily_return !== null || metrics.cumulative_return !== null)) {
    return { today: metrics.daily_return, cumulative: metrics.cumulative_return, source: "metrics" };
  }
  return { today: todayFromCloses(sleeve, closes), cumulative: cumulativeFromLedger(sleeve), source: "derived" };
}
