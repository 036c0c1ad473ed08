import { describe, expect, it, vi } from "vitest";
import { pngSize, whiteBackedCanvas } from "./png";

function header(width: number, height: number): Uint8Array {
  const bytes = new Uint8Array(33);
  bytes.set([137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82]);
  const view = new DataView(bytes.buffer);
  view.setUint32(16, width);
  view.setUint32(20, height);
  return bytes;
}

describe("PNG export", () => {
  it("reads the size from a PNG header and refuses other bytes", () => {
    expect(pngSize(header(1130, 560))).toEqual({ width: 1130, height: 560 });
    expect(pngSize(new TextEncoder().encode("GIF89a............................"))).toBeNull();
  });

  it("paints white under the chart at the chart's pixel size", () => {
    const ops: string[] = [];
    const ctx = { fillStyle: "", fillRect: vi.fn(() => ops.push(`fill ${ctx.fillStyle}`)), drawImage: vi.fn(() => ops.push("draw")) };
    const out = { width: 0, height: 0, getContext: () => ctx };
    const doc = { createElement: () => out } as unknown as Document;
    const source = { width: 640, height: 320 } as HTMLCanvasElement;
    const canvas = whiteBackedCanvas(source, doc);
    expect([canvas.width, canvas.height]).toEqual([640, 320]);
    expect(ops).toEqual(["fill #ffffff", "draw"]);
    expect(ctx.fillRect).toHaveBeenCalledWith(0, 0, 640, 320);
  });
});
