import { describe, expect, it } from "vitest";
import { parseServerMessage } from "./protocol";

describe("parseServerMessage", () => {
  it("reads events, acknowledgements and resets", () => {
    expect(parseServerMessage('{"topic":"ledger","offset":3,"epoch":"x","ts":1.5,"data":{"a":1}}')).toEqual({
      kind: "event",
      event: { topic: "ledger", offset: 3, epoch: "x", ts: 1.5, data: { a: 1 } },
    });
    expect(parseServerMessage('{"op":"subscribed","topics":["ledger","bogus"],"epoch":{"ledger":"x"}}')).toEqual({
      kind: "subscribed",
      topics: ["ledger"],
      epochs: { ledger: "x" },
    });
    expect(parseServerMessage('{"op":"subscribed","topics":["jobs"],"epoch":"y"}')).toMatchObject({ epochs: { jobs: "y" } });
    expect(parseServerMessage('{"op":"reset","topic":"orders"}')).toEqual({ kind: "reset", topic: "orders" });
  });

  it("ignores what is not a protocol message", () => {
    expect(parseServerMessage("not json")).toBeNull();
    expect(parseServerMessage('{"topic":"nope","offset":1,"epoch":"x"}')).toBeNull();
    expect(parseServerMessage('{"op":"authenticated","role":"viewer"}')).toEqual({ kind: "other", op: "authenticated" });
  });
});
