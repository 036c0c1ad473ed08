// Series derived from daily simple returns, as the evaluation reports them.
export interface Point {
  x: number; // ms since epoch (UTC midnight of the trading date)
  y: number;
}

export function dateMs(iso: string): number {
  return Date.parse(`${iso.slice(0, 10)}T00:00:00Z`);
}

/** Growth of 1 invested at the start: cumulative product of (1 + r). */
export function equityCurve(dates: readonly string[], returns: readonly number[]): Point[] {
  let value = 1;
  return dates.map((d, i) => {
    value *= 1 + (returns[i] ?? 0);
    return { x: dateMs(d), y: value };
  });
}

/** Drawdown from the running peak of an equity curve (0 at a peak, negative below). */
export function drawdowns(equity: readonly Point[]): Point[] {
  let peak = -Infinity;
  return equity.map((p) => {
    peak = Math.max(peak, p.y);
    return { x: p.x, y: p.y / peak - 1 };
  });
}

/** Annualised Sharpe ratio (risk-free 0) over a trailing window of `window` days. */
export function rollingSharpe(dates: readonly string[], returns: readonly number[], window = 252): Point[] {
  const out: Point[] = [];
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < returns.length; i++) {
    const r = returns[i] ?? 0;
    sum += r;
    sumSq += r * r;
    if (i >= window) {
      const old = returns[i - window] ?? 0;
      sum -= old;
      sumSq -= old * old;
    }
    if (i >= window - 1) {
      const mean = sum / window;
      const variance = (sumSq - window * mean * mean) / (window - 1);
      const sd = Math.sqrt(Math.max(variance, 0));
      out.push({ x: dateMs(dates[i] ?? ""), y: sd > 0 ? (mean / sd) * Math.sqrt(252) : 0 });
    }
  }
  return out;
}
