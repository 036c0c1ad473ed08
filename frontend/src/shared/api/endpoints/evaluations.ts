// The continuous evaluation: metrics per scheme, daily returns, weights at rebalances.
import { useQuery } from "@tanstack/react-query";
import { ApiError } from "../api-error";
import { api, unwrap } from "../client";

export interface SchemeMetrics {
  cagr: number | null;
  volatility_annual: number | null;
  sharpe: number | null;
  sortino: number | null;
  max_drawdown: number | null;
  calmar: number | null;
  turnover_annual: number | null;
  hit_rate: number | null;
  beta_mkt: number | null;
  alpha_ff3_annual: number | null;
  t_alpha_ff3: number | null;
  var_95: number | null;
  cvar_95: number | null;
  psr: number | null;
}

export interface EvaluationSummary {
  run_id: number;
  last_date: string | null;
  params: { methods?: string[]; symbols?: string[]; rebalance?: string; cost_bps?: number; lookback?: number };
  metrics: Record<string, SchemeMetrics>;
}

export interface ReturnRow {
  date: string;
  gross: number;
  net: number;
  turnover: number;
  cost: number;
}

export interface Rebalance {
  date: string;
  weights: Record<string, number>;
}

export interface Range {
  start?: string;
  end?: string;
}

/** The current run's metrics per scheme; null when no evaluation has run yet. */
export async function getEvaluation(range: Range): Promise<EvaluationSummary | null> {
  try {
    return await unwrap<EvaluationSummary>(api.GET("/api/v1/evaluations", { params: { query: range } }));
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

export const getMethodReturns = (method: string, range: Range) =>
  unwrap<{ method: string; rows: ReturnRow[] }>(
    api.GET("/api/v1/evaluations/{method}/returns", { params: { path: { method }, query: range } }),
  );

export const getMethodWeights = (method: string) =>
  unwrap<{ method: string; rebalances: Rebalance[] }>(
    api.GET("/api/v1/evaluations/{method}/weights", { params: { path: { method } } }),
  );

export function useEvaluation(range: Range = {}, enabled = true) {
  return useQuery({ queryKey: ["evaluations", "summary", range], queryFn: () => getEvaluation(range), enabled });
}

export function useMethodWeights(method: string | null) {
  return useQuery({
    queryKey: ["evaluations", "weights", method],
    queryFn: () => getMethodWeights(method ?? ""),
    enabled: method !== null,
    staleTime: 5 * 60_000,
  });
}
