import { useQuery } from "@tanstack/react-query";
import { getOptional } from "../client";
import type { MetricsRow } from "./types";

export interface MetricsDaily {
  sleeve: { id: number; name: string };
  rows: MetricsRow[];
}

export const getMetricsDaily = (sleeve: string, start?: string, end?: string) =>
  getOptional<MetricsDaily>("/api/v1/metrics/daily", { sleeve, start, end, format: "json" });

export function useMetricsDaily(sleeve: string, start?: string, end?: string) {
  return useQuery({ queryKey: ["metrics", "daily", sleeve, start, end], queryFn: () => getMetricsDaily(sleeve, start, end) });
}
