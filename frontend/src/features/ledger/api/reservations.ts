import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "@/shared/api/client";
import { useLiveInterval } from "@/shared/realtime/realtime-context";

export interface Reservation {
  id: number;
  sleeve: number;
  client_id: string;
  symbol: string;
  side: "buy" | "sell";
  qty: string;
  limit_price: string;
  reserved: string;
  remaining: string;
  filled_qty: string;
  status: string;
  seq: number;
}

export function useOpenReservations() {
  return useQuery({
    queryKey: ["ledger", "reservations", "open"],
    queryFn: () => unwrap<Reservation[]>(api.GET("/api/v1/ledger/reservations", { params: { query: { status: "open" } } })),
    refetchInterval: useLiveInterval(),
  });
}
