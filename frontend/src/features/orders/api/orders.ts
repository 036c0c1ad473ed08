import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "@/shared/api/client";
import { useLiveInterval } from "@/shared/realtime/realtime-context";

export interface Order {
  id: number;
  client_order_id: string;
  strategy_id: number | null;
  sleeve_id: number;
  symbol: string;
  side: "buy" | "sell";
  type: string;
  qty: string;
  limit_price: string | null;
  status: string;
  filled_qty: string;
  filled_avg_price: string | null;
  note: string | null;
  created_at: string;
  updated_at: string;
}

export interface OrderDetail extends Order {
  fills: { qty: string; price: string; cum_qty: string; at: string }[];
  history: { status: string; filled_qty: string; at: string; note: string | null }[];
}

export const OPEN_STATUSES = new Set(["new", "accepted", "partially_filled"]);

export function useOrders() {
  return useQuery({
    queryKey: ["orders", "list"],
    queryFn: () => unwrap<Order[]>(api.GET("/api/v1/orders", { params: { query: { limit: 500 } } })),
    refetchInterval: useLiveInterval(),
  });
}

export function useOrderDetail(id: number) {
  return useQuery({
    queryKey: ["orders", "detail", id],
    queryFn: () => unwrap<OrderDetail>(api.GET("/api/v1/orders/{order_id}", { params: { path: { order_id: id } } })),
  });
}

function useInvalidateTrading() {
  const client = useQueryClient();
  return () => Promise.all([["orders"], ["ledger"], ["account"]].map((queryKey) => client.invalidateQueries({ queryKey })));
}

export function useCancelOrder() {
  const invalidate = useInvalidateTrading();
  return useMutation({
    mutationFn: (id: number) => unwrap<Order>(api.POST("/api/v1/orders/{order_id}/cancel", { params: { path: { order_id: id } } })),
    onSuccess: invalidate,
  });
}
