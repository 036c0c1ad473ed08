import { useQuery } from "@tanstack/react-query";
import { useLiveInterval } from "@/shared/realtime/realtime-context";
import { getOptional } from "../client";
import type { MetricsSummary } from "./types";

/** The newest metrics per sleeve and for the account; null while the server has no metrics API. */
export const getMetricsSummary = () => getOptional<MetricsSummary>("/api/v1/metrics/summary");

export function useMetricsSummary() {
  return useQuery({ queryKey: ["metrics", "summary"], queryFn: getMetricsSummary, refetchInterval: useLiveInterval() });
}
