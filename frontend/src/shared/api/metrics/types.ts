export interface MetricsRow {
  sleeve_id?: number;
  name?: string;
  date: string;
  equity: string;
  cash: string;
  flow?: string;
  daily_return: number | null;
  cumulative_return: number | null;
  gross_exposure: number | null;
  net_exposure: number | null;
  volatility_annual: number | null;
  drawdown: number | null;
  var_95: number | null;
  stale: boolean;
}

export interface MetricsSummary {
  as_of: string | null;
  stale: boolean;
  data?: Record<string, unknown>;
  account: MetricsRow | null;
  sleeves: MetricsRow[];
}

export interface Exposures {
  sleeve: { id: number; name: string };
  date: string;
  gross_exposure: number | null;
  net_exposure: number | null;
  cash_weight: number | null;
  sector_weights: Record<string, number> | null;
  factor_betas: Record<string, number> | null;
  weights?: Record<string, number> | null;
  stale: boolean;
}

export interface JobRun {
  status: string;
  started_at?: string | null;
  finished_at?: string | null;
  error?: string | null;
}

export interface Job {
  name: string;
  description?: string;
  schedule: string;
  next_run: string | null;
  last_run: JobRun | null;
  last_outcome: string | null;
}
