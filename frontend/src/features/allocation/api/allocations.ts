import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "@/shared/api/client";

export interface Allocation {
  id: number;
  created_at: string;
  method: string;
  requested_method: string;
  as_of: string | null;
  weights: Record<string, number>;
  expected_return: number | null;
  volatility: number | null;
  sharpe: number | null;
  solver: { name?: string; status?: string; iterations?: number } | null;
  fallback: string | null;
  n_obs: number | null;
  risk_contributions: Record<string, number> | null;
  sector_weights: Record<string, number> | null;
  factor_betas: Record<string, number> | null;
  notes: string[];
}

/** The newest stored allocation that was asked for with `method` (null when none). */
export async function getLatestAllocation(method: string): Promise<Allocation | null> {
  const answer = await unwrap<{ allocations: Allocation[] }>(
    api.GET("/api/v1/allocations", { params: { query: { method, limit: 1 } } }),
  );
  return answer.allocations[0] ?? null;
}

export function useLatestAllocation(method: string) {
  return useQuery({ queryKey: ["allocations", "latest", method], queryFn: () => getLatestAllocation(method) });
}

/** Compute and store an allocation with the service's defaults (trader). */
export function useCreateAllocation() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (method: string) => unwrap<Allocation>(api.POST("/api/v1/allocations", { body: { method } })),
    onSuccess: (_, method) => client.invalidateQueries({ queryKey: ["allocations", "latest", method] }),
  });
}
