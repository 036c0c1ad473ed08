import { describe, expect, it } from "vitest";
import { parseCsv, toCsv } from "./csv";

describe("toCsv", () => {
  it("writes a header, ISO dates and quotes what needs quoting", () => {
    const text = toCsv(["date", "name", "value"], [
      [new Date("2022-12-28T00:00:00Z"), 'say "hi", twice', 1.5],
      ["2022-12-29", null, Number.NaN],
    ]);
    expect(text).toBe('date,name,value\r\n2022-12-28,"say ""hi"", twice",1.5\r\n2022-12-29,,\r\n');
  });

  it("round-trips through parseCsv", () => {
    const rows = [["a", "b"], ["x,y", 'q"q'], ["line\nbreak", ""]];
    expect(parseCsv(toCsv(rows[0] ?? [], rows.slice(1)))).toEqual(rows);
  });
});
