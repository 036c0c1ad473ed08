import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../client";

export interface Security {
  symbol: string;
  name: string | null;
  sector: string | null;
  industry: string | null;
  first_date: string | null;
  last_date: string | null;
}

export const getSecurities = () => unwrap<Security[]>(api.GET("/api/v1/securities"));

export function useSecurities() {
  return useQuery({ queryKey: ["securities"], queryFn: getSecurities, staleTime: 10 * 60_000 });
}

export function sectorOf(securities: readonly Security[]): Map<string, string> {
  return new Map(securities.map((s) => [s.symbol, s.sector ?? "Unknown"]));
}

/** The newest date with prices (the evaluation and the regressions end there). */
export function lastPriceDate(securities: readonly Security[] | undefined): string | null {
  return securities?.reduce<string | null>((d, s) => (s.last_date && (!d || s.last_date > d) ? s.last_date : d), null) ?? null;
}

export function useLastPriceDate(): string | null {
  return lastPriceDate(useSecurities().data);
}

export function yearsBefore(iso: string, years: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCFullYear(d.getUTCFullYear() - years);
  return d.toISOString().slice(0, 10);
}
