import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DataTable, type Column } from "./data-table";

interface Row {
  name: string;
  value: number;
}
const columns: Column<Row>[] = [
  { key: "name", header: "Name", value: (r) => r.name },
  { key: "value", header: "Value", value: (r) => r.value, numeric: true },
];
const rows: Row[] = [
  { name: "b", value: 2 },
  { name: "a, with comma", value: 10 },
  { name: "c", value: 1 },
];

afterEach(() => vi.restoreAllMocks());

function readText(blob: Blob | undefined): Promise<string> {
  return new Promise((done) => {
    const reader = new FileReader();
    reader.onload = () => done(String(reader.result));
    reader.readAsText(blob ?? new Blob());
  });
}

function captureDownloads() {
  const blobs: Blob[] = [];
  URL.createObjectURL = vi.fn((b: Blob) => {
    blobs.push(b);
    return "blob:test";
  });
  URL.revokeObjectURL = vi.fn();
  vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => undefined);
  return blobs;
}

describe("DataTable", () => {
  it("sorts by a column with the keyboard-reachable header button", async () => {
    render(<DataTable title="Things" columns={columns} rows={rows} rowKey={(r) => r.name} />);
    await userEvent.click(screen.getByRole("button", { name: "Value" }));
    const cells = () => screen.getAllByRole("row").slice(1).map((r) => within(r).getAllByRole("cell")[1]?.textContent);
    expect(cells()).toEqual(["1", "2", "10"]);
    expect(screen.getByRole("columnheader", { name: /Value/ })).toHaveAttribute("aria-sort", "ascending");
    await userEvent.click(screen.getByRole("button", { name: /Value/ }));
    expect(cells()).toEqual(["10", "2", "1"]);
  });

  it("exports every row as CSV with the column keys as header", async () => {
    const blobs = captureDownloads();
    render(<DataTable title="Things" columns={columns} rows={rows} rowKey={(r) => r.name} pageSize={1} />);
    expect(screen.getAllByRole("row")).toHaveLength(2);
    await userEvent.click(screen.getByRole("button", { name: "Download Things as CSV" }));
    expect(await readText(blobs[0])).toBe('name,value\r\nb,2\r\n"a, with comma",10\r\nc,1\r\n');
  });
});
