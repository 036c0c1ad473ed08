// A sleeve's factor betas as the value-weighted mean of its holdings' betas
// (a portfolio's OLS betas are the weighted betas of its parts on the same window).
import type { Sleeve } from "@/shared/api/endpoints/ledger";
import type { RegressionRow } from "../api/factors";

export const FACTORS = ["mkt", "smb", "hml"] as const;
export type Factor = (typeof FACTORS)[number];

export function sleeveBetas(sleeve: Sleeve, rows: readonly RegressionRow[]): Record<Factor, number> | null {
  const bySymbol = new Map(rows.map((r) => [r.symbol, r]));
  const values = sleeve.positions.map((p) => ({ row: bySymbol.get(p.symbol), value: Number(p.market_value ?? 0) }));
  const total = values.reduce((s, v) => s + v.value, 0) + Number(sleeve.cash);
  if (total <= 0 || values.length === 0 || values.some((v) => v.row === undefined)) return null;
  const out: Record<Factor, number> = { mkt: 0, smb: 0, hml: 0 };
  for (const { row, value } of values) {
    for (const f of FACTORS) out[f] += ((row?.[`beta_${f}`] ?? 0) * value) / total;
  }
  return out;
}
