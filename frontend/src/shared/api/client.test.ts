import { beforeEach, describe, expect, it } from "vitest";
import { fakeServer, json } from "@/testing/fake-server";
import { ApiError, advice, toApiError } from "./api-error";
import { resetCapabilities } from "./capabilities";
import { api, getOptional, unwrap } from "./client";

beforeEach(() => resetCapabilities());

describe("the API client", () => {
  it("sends the session's key and returns the body", async () => {
    sessionStorage.setItem("pas.apiKey", "pas_abc");
    const { fetchMock } = fakeServer({ "GET /api/v1/strategies": [] });
    expect(await unwrap(api.GET("/api/v1/strategies"))).toEqual([]);
    const request = fetchMock.mock.calls[0]?.[0] as Request;
    expect(request.headers.get("Authorization")).toBe("Bearer pas_abc");
  });

  it("throws the service's error body as a typed ApiError", async () => {
    fakeServer({ "GET /api/v1/orders/{order_id}": 1, "GET /api/v1/orders/9": json({ error: { code: "unknown_order", message: "no order with id 9", details: { id: 9 } } }, 404) });
    const failure = unwrap(api.GET("/api/v1/orders/{order_id}", { params: { path: { order_id: 9 } } }));
    await expect(failure).rejects.toMatchObject({ status: 404, code: "unknown_order", message: "no order with id 9", details: { id: 9 } });
  });

  it("answers null for a route the server does not have, without asking it", async () => {
    const { calls } = fakeServer({}, ["/api/v1/strategies"]);
    expect(await getOptional("/api/v1/metrics/summary")).toBeNull();
    expect(calls).toEqual(["GET /openapi.json"]);
  });

  it("reads a route the schema lists", async () => {
    fakeServer({ "GET /api/v1/jobs": [{ name: "metrics" }] }, ["/api/v1/jobs"]);
    expect(await getOptional("/api/v1/jobs")).toEqual([{ name: "metrics" }]);
  });

  it("says what to do about each kind of error", () => {
    expect(advice(toApiError(401, {}))).toMatch(/log in with a valid key/);
    expect(advice(new ApiError(403, "forbidden", "x", { needed: "trader", role: "viewer" }))).toMatch(/trader role/);
    expect(advice(new TypeError("Failed to fetch"))).toMatch(/cannot be reached/);
    expect(advice(new ApiError(503, "overloaded", "x", { max_in_flight: 64 }))).toMatch(/at its limit/);
    expect(advice(new ApiError(503, "database_unavailable", "x"))).toMatch(/depends on is down/);
    expect(toApiError(502, null, "Bad Gateway").message).toBe("HTTP 502 Bad Gateway");
    expect(new ApiError(422, "invalid_input", "bad").permanent).toBe(true);
    expect(new ApiError(503, "unavailable", "down").permanent).toBe(false);
  });
});
