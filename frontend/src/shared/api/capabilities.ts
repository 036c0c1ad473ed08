// What this server offers beyond the base API, read once from its open OpenAPI
// schema. Asking an absent route would answer 404 (and a WebSocket to an absent
// /ws fails its handshake), which browsers log as errors; asking the schema does not.
import { env } from "@/config/env";

export interface Capabilities {
  /** The real-time hub's routes are there (its /ws comes with them). */
  hub: boolean;
  paths: Set<string>;
}

let cached: Promise<Capabilities> | null = null;

export function capabilitiesFrom(schema: unknown): Capabilities {
  const paths = new Set(Object.keys((schema as { paths?: Record<string, unknown> } | null)?.paths ?? {}));
  return { hub: paths.has("/api/v1/metrics/summary") || paths.has("/api/v1/jobs"), paths };
}

export function capabilities(): Promise<Capabilities> {
  cached ??= fetch(`${env.apiBase}/openapi.json`, { headers: { Accept: "application/json" } })
    .then((r) => (r.ok ? r.json() : null))
    .then(capabilitiesFrom)
    .catch(() => {
      cached = null; // try again on the next call
      return capabilitiesFrom(null);
    });
  return cached;
}

/** True when the server has `path` (a route template as in the schema). */
export async function hasRoute(path: string): Promise<boolean> {
  return (await capabilities()).paths.has(path);
}

/** For tests: forget what was read. */
export function resetCapabilities(): void {
  cached = null;
}
