import { useQueries } from "@tanstack/react-query";
import { getMethodReturns, type Range, type ReturnRow } from "@/shared/api/endpoints/evaluations";

export interface SchemeReturns {
  method: string;
  rows: ReturnRow[];
}

/** Every scheme's daily returns over the range, fetched side by side. */
export function useSchemeReturns(methods: string[], range: Range) {
  return useQueries({
    queries: methods.map((method) => ({
      queryKey: ["evaluations", "returns", method, range],
      queryFn: () => getMethodReturns(method, range),
      staleTime: 5 * 60_000,
    })),
    combine: (results) => ({
      data: results.every((r) => r.data) ? results.map((r) => r.data as SchemeReturns) : undefined,
      error: results.find((r) => r.error)?.error ?? null,
    }),
  });
}
