import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderTypes, typesPath } from "../../../scripts/generate-api.mjs";

describe("the generated API client", () => {
  it("matches openapi.json (run `make api-client` when this fails)", async () => {
    expect(readFileSync(typesPath, "utf8") === (await renderTypes()), "schema.d.ts is stale: run make api-client").toBe(true);
  });
});
