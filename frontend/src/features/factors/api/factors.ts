import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "@/shared/api/client";

export interface RegressionRow {
  symbol: string;
  alpha_annual: number | null;
  beta_mkt: number | null;
  beta_smb: number | null;
  beta_hml: number | null;
  t_alpha: number | null;
  t_mkt: number | null;
  t_smb: number | null;
  t_hml: number | null;
  r2: number | null;
  n_obs: number;
}

export interface Regression {
  model: string;
  factors: string[];
  start: string | null;
  end: string | null;
  note: string;
  rows: RegressionRow[];
}

export interface RollingRow {
  date: string;
  beta_mkt: number | null;
  beta_smb: number | null;
  beta_hml: number | null;
}

export interface PremiumRow {
  factor: string;
  premium_annual: number;
  vol_annual: number;
  t_stat: number;
  n_obs: number;
  first: string;
  last: string;
}

export function useRegression(start: string | undefined, enabled: boolean) {
  return useQuery({
    enabled,
    queryKey: ["factors", "regression", start],
    queryFn: () => unwrap<Regression>(api.GET("/api/v1/factors/regression", { params: { query: { model: "ff3", start } } })),
    staleTime: 10 * 60_000,
  });
}

export function useRolling(symbol: string | null, start: string | undefined) {
  return useQuery({
    queryKey: ["factors", "rolling", symbol, start],
    queryFn: () =>
      unwrap<{ symbol: string; note: string; rows: RollingRow[] }>(
        api.GET("/api/v1/factors/rolling", { params: { query: { symbol: symbol ?? "", window: 252, step: 5, model: "ff3", start } } }),
      ),
    enabled: symbol !== null,
    staleTime: 10 * 60_000,
  });
}

export function usePremia() {
  return useQuery({
    queryKey: ["factors", "premia"],
    queryFn: () => unwrap<{ frequency: string; rows: PremiumRow[] }>(api.GET("/api/v1/factors/premia")),
    staleTime: 60 * 60_000,
  });
}
