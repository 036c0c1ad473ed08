/** Save a blob under `filename` through a temporary link (no new window, no server). */
export function download(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.rel = "noopener";
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function downloadCsv(text: string, filename: string): void {
  download(new Blob([text], { type: "text/csv;charset=utf-8" }), filename);
}

/** A file name from a title: lower case, dashes, the date of today. */
export function fileName(title: string, extension: string): string {
  const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "export";
  return `pas-${slug}-${new Date().toISOString().slice(0, 10)}.${extension}`;
}
