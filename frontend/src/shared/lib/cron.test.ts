import { describe, expect, it } from "vitest";
import { nextRun, parseCron } from "./cron";

const at = (iso: string) => new Date(iso);

describe("nextRun", () => {
  it("skips the weekend for a weekday schedule", () => {
    // Friday 2026-12-04 16:00 UTC -> Monday 15:30
    expect(nextRun("30 15 * * 1-5", at("2026-12-04T16:00:00Z"))?.toISOString()).toBe("2026-12-07T15:30:00.000Z");
  });

  it("fires later the same day and never at the current minute", () => {
    expect(nextRun("30 15 * * *", at("2026-12-04T15:00:00Z"))?.toISOString()).toBe("2026-12-04T15:30:00.000Z");
    expect(nextRun("30 15 * * *", at("2026-12-04T15:30:00Z"))?.toISOString()).toBe("2026-12-05T15:30:00.000Z");
  });

  it("handles steps, lists, names and Sunday as 7", () => {
    expect(nextRun("*/20 9 * * *", at("2026-12-04T09:21:00Z"))?.toISOString()).toBe("2026-12-04T09:40:00.000Z");
    expect(nextRun("0 12 * * sun", at("2026-12-04T00:00:00Z"))?.toISOString()).toBe("2026-12-06T12:00:00.000Z");
    expect(nextRun("0 12 * * 7", at("2026-12-04T00:00:00Z"))?.toISOString()).toBe("2026-12-06T12:00:00.000Z");
    expect(nextRun("0 0 1 jan,jul *", at("2026-12-04T00:00:00Z"))?.toISOString()).toBe("2027-01-01T00:00:00.000Z");
  });

  it("matches either day field when both are restricted, as cron does", () => {
    // the 15th or any Monday: from Wednesday 2026-12-09 the next is Monday 14th
    expect(nextRun("0 8 15 * 1", at("2026-12-09T00:00:00Z"))?.toISOString()).toBe("2026-12-14T08:00:00.000Z");
  });

  it("refuses malformed schedules with a message", () => {
    expect(() => parseCron("30 15 * *")).toThrow(/5 fields/);
    expect(() => parseCron("61 * * * *")).toThrow(/minute/);
    expect(() => parseCron("* * * * mon-xyz")).toThrow(/day of week/);
  });

  it("returns null for a date that never comes", () => {
    expect(nextRun("0 0 31 2 *", at("2026-01-01T00:00:00Z"))).toBeNull();
  });
});
