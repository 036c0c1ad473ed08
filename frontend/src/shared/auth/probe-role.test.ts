import { describe, expect, it } from "vitest";
import { fakeServer, json } from "@/testing/fake-server";
import { probeRole } from "./probe-role";

describe("probeRole", () => {
  it("is admin when the key list answers", async () => {
    fakeServer({ "GET /api/v1/keys": [] });
    expect(await probeRole("k")).toBe("admin");
  });

  it("reads the role from the 403 details", async () => {
    fakeServer({ "GET /api/v1/keys": json({ error: { code: "forbidden", message: "needs admin", details: { needed: "admin", role: "trader" } } }, 403) });
    expect(await probeRole("k")).toBe("trader");
  });

  it("refuses a bad key", async () => {
    fakeServer({ "GET /api/v1/keys": json({ error: { code: "unauthorized", message: "invalid API key", details: {} } }, 401) });
    await expect(probeRole("k")).rejects.toMatchObject({ status: 401, message: expect.stringMatching(/not valid/) });
  });
});
