// Environment read once at start-up and checked, so a bad build fails loudly.
export interface Env {
  /** Origin of the API ("" = the page's own origin, as when the service serves the build). */
  apiBase: string;
  /** Path the app is served under (the router's basename). */
  basePath: string;
  /** Milliseconds between refetches of live data when the WebSocket hub is unavailable. */
  pollMs: number;
}

function readEnv(raw: Record<string, string | boolean | undefined>): Env {
  const apiBase = String(raw.VITE_API_BASE ?? "").replace(/\/$/, "");
  if (apiBase && !/^https?:\/\//.test(apiBase)) {
    throw new Error(`VITE_API_BASE must be an http(s) URL or empty, got ${apiBase}`);
  }
  const pollMs = Number(raw.VITE_POLL_MS ?? 5000);
  if (!Number.isFinite(pollMs) || pollMs < 500) {
    throw new Error(`VITE_POLL_MS must be a number >= 500, got ${String(raw.VITE_POLL_MS)}`);
  }
  const basePath = String(raw.BASE_URL ?? "/dashboard/").replace(/\/$/, "");
  return { apiBase, basePath, pollMs };
}

export const env: Env = readEnv(import.meta.env);
export { readEnv };
