import { describe, expect, it } from "vitest";
import { dateMs, drawdowns, equityCurve, rollingSharpe } from "./series";

describe("series from daily returns", () => {
  const dates = ["2022-01-03", "2022-01-04", "2022-01-05", "2022-01-06"];
  const returns = [0.1, -0.5, 0.2, 0.25];

  it("compounds returns into an equity curve and measures drawdowns from the peak", () => {
    const equity = equityCurve(dates, returns);
    expect(equity.map((p) => p.y)).toEqual([1.1, 0.55, 0.66, 0.825].map((v) => expect.closeTo(v, 12)));
    expect(equity[0]?.x).toBe(dateMs("2022-01-03"));
    expect(drawdowns(equity).map((p) => p.y)).toEqual([0, -0.5, -0.4, -0.25].map((v) => expect.closeTo(v, 12)));
  });

  it("computes the rolling Sharpe ratio as a direct window computation does", () => {
    const r = Array.from({ length: 400 }, (_, i) => Math.sin(i * 0.7) * 0.01 + 0.0004);
    const d = r.map((_, i) => new Date(Date.UTC(2020, 0, 1) + i * 86_400_000).toISOString().slice(0, 10));
    const out = rollingSharpe(d, r, 252);
    expect(out).toHaveLength(400 - 251);
    for (const i of [0, 50, 148]) {
      const w = r.slice(i, i + 252);
      const mean = w.reduce((a, b) => a + b, 0) / 252;
      const sd = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / 251);
      expect(out[i]?.y).toBeCloseTo((mean / sd) * Math.sqrt(252), 8);
    }
  });
});
