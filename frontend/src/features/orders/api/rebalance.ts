import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "@/shared/api/client";
import type { Order } from "./orders";

export interface PlannedOrder {
  symbol: string;
  side: "buy" | "sell";
  qty: string;
  type: string;
  price: string;
  limit_price: string | null;
  notional: string;
  expected_cost: string;
  wave: number;
}

export interface Plan {
  orders: PlannedOrder[];
  deferred: PlannedOrder[];
  equity: string;
  free_float: string;
  cash_after: string;
  expected_costs: string;
  weights_before: Record<string, number>;
  weights_after: Record<string, number>;
  skipped: unknown[];
}

export interface RebalanceResult {
  strategy: { id: number; name: string };
  dry_run: boolean;
  targets: Record<string, number>;
  plan: Plan;
  second_wave: Plan | null;
  orders: Order[];
}

const rebalance = (strategyId: number, dryRun: boolean) =>
  unwrap<RebalanceResult>(
    api.POST("/api/v1/strategies/{strategy_id}/rebalance", { params: { path: { strategy_id: strategyId }, query: { dry_run: dryRun } } }),
  );

/** Plan only: what a rebalance would place (trader, places nothing). */
export function usePreview() {
  return useMutation({ mutationFn: (strategyId: number) => rebalance(strategyId, true) });
}

/** Reserve, place and apply fills (trader). */
export function useSubmitRebalance() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (strategyId: number) => rebalance(strategyId, false),
    onSuccess: () => Promise.all([["orders"], ["ledger"], ["account"]].map((queryKey) => client.invalidateQueries({ queryKey }))),
  });
}
