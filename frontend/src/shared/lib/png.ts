// PNG export: the chart's canvas, pixel for pixel, on a white background (a
// transparent chart pasted into a report on a dark page would be unreadable).
export interface CanvasLike {
  width: number;
  height: number;
}

export function whiteBackedCanvas(source: HTMLCanvasElement, doc: Document = document): HTMLCanvasElement {
  const out = doc.createElement("canvas");
  out.width = source.width;
  out.height = source.height;
  const ctx = out.getContext("2d");
  if (!ctx) throw new Error("this browser cannot draw on a canvas");
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.drawImage(source, 0, 0);
  return out;
}

export function canvasToPng(source: HTMLCanvasElement): Promise<Blob> {
  const canvas = whiteBackedCanvas(source);
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("the chart could not be encoded as PNG"))), "image/png");
  });
}

/** Width and height from a PNG's IHDR chunk; null when the bytes are not a PNG. */
export function pngSize(bytes: Uint8Array): CanvasLike | null {
  const signature = [137, 80, 78, 71, 13, 10, 26, 10];
  if (bytes.length < 24 || signature.some((b, i) => bytes[i] !== b)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = String.fromCharCode(...bytes.subarray(12, 16));
  if (type !== "IHDR") return null;
  return { width: view.getUint32(16), height: view.getUint32(20) };
}
