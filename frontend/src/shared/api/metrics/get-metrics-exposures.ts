import { useQuery } from "@tanstack/react-query";
import { ApiError } from "../api-error";
import { getOptional } from "../client";
import type { Exposures } from "./types";

/** A sleeve's newest exposures; null when the route is absent or has no metrics for it yet. */
export async function getExposures(sleeve: string): Promise<Exposures | null> {
  try {
    return await getOptional<Exposures>("/api/v1/metrics/exposures", { sleeve });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

export function useExposures(sleeve: string) {
  return useQuery({ queryKey: ["metrics", "exposures", sleeve], queryFn: () => getExposures(sleeve) });
}
