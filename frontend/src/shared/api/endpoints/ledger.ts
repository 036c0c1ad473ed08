// Ledger reads shared by the Account and Ledger pages (money as decimal strings).
import { useQuery } from "@tanstack/react-query";
import { useLiveInterval } from "@/shared/realtime/realtime-context";
import { api, unwrap } from "../client";

export interface Position {
  symbol: string;
  qty: string;
  qty_reserved: string;
  avg_cost: string;
  cost: string;
  price: string | null;
  market_value: string | null;
  unrealized_pnl: string | null;
}

export interface Sleeve {
  id: number;
  name: string;
  cash: string;
  reserved: string;
  free_float: string;
  realized_pnl: string;
  positions: Position[];
}

export interface AccountTotals {
  cash: string;
  reserved: string;
  free_float: string;
  realized_pnl: string;
  sleeves: number;
  open_reservations: number;
  seq: number;
  account_cash: string;
  unallocated: string;
}

export interface LedgerEvent {
  seq: number;
  kind: string;
  at: string;
  data: Record<string, string>;
  /** Who caused it: an API key id, broker:<name> or cli (the ledger-integrity issue adds it). */
  actor?: string | null;
}

export const getSleeves = () => unwrap<Sleeve[]>(api.GET("/api/v1/ledger/sleeves"));
export const getAccountTotals = () => unwrap<AccountTotals>(api.GET("/api/v1/ledger/account"));
export const getLedgerEvents = (since: number, limit: number) =>
  unwrap<LedgerEvent[]>(api.GET("/api/v1/ledger/events", { params: { query: { since, limit } } }));

export function useSleeves() {
  return useQuery({ queryKey: ["ledger", "sleeves"], queryFn: getSleeves, refetchInterval: useLiveInterval() });
}

export function useAccountTotals() {
  return useQuery({ queryKey: ["account", "totals"], queryFn: getAccountTotals, refetchInterval: useLiveInterval() });
}

/** The newest `limit` events: the first page tells the last sequence number. */
export async function getRecentEvents(limit: number): Promise<LedgerEvent[]> {
  const totals = await getAccountTotals();
  return getLedgerEvents(Math.max(0, totals.seq - limit), limit);
}

export function useRecentEvents(limit = 50) {
  return useQuery({
    queryKey: ["ledger", "events", limit],
    queryFn: () => getRecentEvents(limit),
    refetchInterval: useLiveInterval(),
  });
}

/** A sleeve's equity: its cash plus the market value of its positions. */
export function sleeveEquity(sleeve: Sleeve): number {
  return Number(sleeve.cash) + sleeve.positions.reduce((sum, p) => sum + Number(p.market_value ?? 0), 0);
}

export function marketValue(sleeve: Sleeve): number {
  return sleeve.positions.reduce((sum, p) => sum + Number(p.market_value ?? 0), 0);
}
