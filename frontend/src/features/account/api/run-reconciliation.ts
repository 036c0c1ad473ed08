import { useMutation } from "@tanstack/react-query";
import { api, unwrap } from "@/shared/api/client";

export interface ReconciliationReport {
  ok: boolean;
  checked_orders: number;
  recovered_fills: number;
  repaired: number;
  differences: Record<string, unknown>[];
}

/** Run a reconciliation (trader): the API stores and answers the report of the run it just made. */
export const runReconciliation = () => unwrap<ReconciliationReport>(api.POST("/api/v1/reconciliation/run"));

export function useRunReconciliation() {
  return useMutation({ mutationKey: ["reconciliation"], mutationFn: runReconciliation });
}
