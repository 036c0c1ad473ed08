import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "@/shared/api/client";

interface PriceRow {
  symbol: string;
  date: string;
  close: number | null;
}

export interface Closes {
  /** The latest trading date with prices. */
  date: string | null;
  latest: Map<string, number>;
  previous: Map<string, number>;
}

/** The last two closes of each symbol (for today's return until the metrics job provides it). */
export function lastTwoCloses(rows: readonly PriceRow[]): Closes {
  const bySymbol = new Map<string, PriceRow[]>();
  for (const row of rows) {
    if (row.close === null) continue;
    bySymbol.set(row.symbol, [...(bySymbol.get(row.symbol) ?? []), row]);
  }
  const latest = new Map<string, number>();
  const previous = new Map<string, number>();
  let date: string | null = null;
  for (const [symbol, list] of bySymbol) {
    list.sort((a, b) => a.date.localeCompare(b.date));
    const last = list[list.length - 1];
    const before = list[list.length - 2];
    if (last?.close != null) latest.set(symbol, last.close);
    if (before?.close != null) previous.set(symbol, before.close);
    if (last && (date === null || last.date > date)) date = last.date;
  }
  return { date, latest, previous };
}

export async function getPreviousCloses(symbols: string[], lastDate: string): Promise<Closes> {
  const start = new Date(Date.parse(`${lastDate}T00:00:00Z`) - 10 * 86_400_000).toISOString().slice(0, 10);
  const answer = await unwrap<{ rows: PriceRow[] }>(
    api.GET("/api/v1/prices", { params: { query: { symbols: symbols.join(","), start } } }),
  );
  return lastTwoCloses(answer.rows);
}

export function usePreviousCloses(symbols: string[], lastDate: string | null) {
  const sorted = [...symbols].sort();
  return useQuery({
    queryKey: ["prices", "last-two", sorted, lastDate],
    queryFn: () => getPreviousCloses(sorted, lastDate ?? ""),
    enabled: sorted.length > 0 && lastDate !== null,
    staleTime: 5 * 60_000,
  });
}
