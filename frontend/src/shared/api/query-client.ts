import { MutationCache, QueryCache, QueryClient } from "@tanstack/react-query";
import { ApiError } from "./api-error";

/** Return the app's query client; `onAuthError` runs when the service refuses the key. */
export function makeQueryClient(onAuthError: () => void = () => undefined): QueryClient {
  const refused = (error: unknown) => {
    if (error instanceof ApiError && error.status === 401) onAuthError();
  };
  return new QueryClient({
    queryCache: new QueryCache({ onError: refused }),
    mutationCache: new MutationCache({ onError: refused }),
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        refetchOnWindowFocus: false,
        retry: (count, error) => !(error instanceof ApiError && error.permanent) && count < 2,
      },
      mutations: { retry: false },
    },
  });
}
