// A stand-in for the PAS API in component tests: routes answer canned JSON.
import { vi } from "vitest";

export type Handler = (url: URL, init: RequestInit | undefined) => { status?: number; body: unknown } | undefined;

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

/** Replace fetch: `routes` maps "METHOD /path" (no query) to an answer; others answer 404. */
export function fakeServer(routes: Record<string, unknown | ((url: URL) => unknown)>, paths: string[] = []) {
  const calls: string[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(new URL(String(input), "http://localhost"), init);
    const url = new URL(request.url, "http://localhost");
    const key = `${request.method} ${url.pathname}`;
    calls.push(`${key}${url.search}`);
    if (key === "GET /openapi.json") return json({ paths: Object.fromEntries(paths.map((p) => [p, {}])) });
    const answer = routes[key];
    if (answer === undefined) return json({ error: { code: "not_found", message: "Not Found", details: {} } }, 404);
    const body = typeof answer === "function" ? (answer as (u: URL) => unknown)(url) : answer;
    if (body instanceof Response) return body;
    return json(body);
  });
  vi.stubGlobal("fetch", fetchMock);
  return { calls, fetchMock };
}
