// The typed API client, generated from the service's OpenAPI schema (schema.d.ts).
// Paths, parameters and request bodies are checked against the schema; most routes
// declare no response model, so each endpoint file names the shape it reads.
import createClient, { type Middleware } from "openapi-fetch";
import { env } from "@/config/env";
import { currentKey } from "@/shared/auth/session";
import { toApiError } from "./api-error";
import { hasRoute } from "./capabilities";
import type { paths } from "./schema";

const auth: Middleware = {
  onRequest({ request }) {
    const key = currentKey();
    if (key) request.headers.set("Authorization", `Bearer ${key}`);
    return request;
  },
};

// fetch looked up at each call (not captured once), so tests can stand in for the server
export const api = createClient<paths>({ baseUrl: env.apiBase, fetch: (request) => globalThis.fetch(request) });
api.use(auth);

interface Answer {
  data?: unknown;
  error?: unknown;
  response: Response;
}

/** Return the answer's body as T, or throw the service's error as an ApiError. */
export async function unwrap<T>(request: Promise<Answer>): Promise<T> {
  const { data, error, response } = await request;
  if (!response.ok) throw toApiError(response.status, error, response.statusText);
  return data as T;
}

/**
 * GET a route the schema does not know yet (the real-time hub's metrics routes):
 * null when the service answers 404 for the route itself, so callers fall back.
 */
export async function getOptional<T>(path: string, query: Record<string, string | undefined> = {}): Promise<T | null> {
  if (!(await hasRoute(path))) return null;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== "") params.set(name, value);
  const qs = params.toString();
  const headers: Record<string, string> = { Accept: "application/json" };
  const key = currentKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  const response = await fetch(`${env.apiBase}${path}${qs ? `?${qs}` : ""}`, { headers });
  const body: unknown = await response.json().catch(() => null);
  if (response.status === 404 && isRouteMissing(body)) return null;
  if (!response.ok) throw toApiError(response.status, body, response.statusText);
  return body as T;
}

// An unknown route answers {"error": {"code": "not_found", "message": "Not Found"}};
// a known route's 404 names what is missing.
function isRouteMissing(body: unknown): boolean {
  if (typeof body !== "object" || body === null) return true;
  const record = body as { detail?: unknown; error?: { message?: unknown } };
  return record.detail === "Not Found" || record.error?.message === "Not Found";
}
