// The budgets, measured in the end-to-end run and written to test-results/perf.json.
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { ARTIFACTS, type Timed } from "./browser";

const BUILD = resolve(import.meta.dirname, "..", "..", "src", "pas", "service", "static", "dashboard");

/** Gzipped bytes of the JavaScript index.html loads before anything else (entry + modulepreloads). */
export function initialJsGzip(): { files: string[]; bytes: number } {
  const html = readFileSync(join(BUILD, "index.html"), "utf8");
  const files = [...html.matchAll(/(?:src|href)="\/dashboard\/(assets\/[^"]+\.js)"/g)].map((m) => m[1] as string);
  const bytes = files.reduce((sum, f) => sum + gzipSync(readFileSync(join(BUILD, f)), { level: 9 }).length, 0);
  return { files, bytes };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

export function writePerf(figures: Record<string, unknown>): void {
  writeFileSync(join(ARTIFACTS, "..", "perf.json"), JSON.stringify({ measured_at: new Date().toISOString(), ...figures }, null, 2));
}

/** p50/p95 per route (query left out, ids folded), reads and writes apart. */
export function requestFigures(requests: Timed[], base: string) {
  const route = (r: Timed) => `${r.method} ${new URL(r.url).pathname.replace(/\/\d+(?=\/|$)/g, "/{id}")}`;
  const groups = new Map<string, number[]>();
  for (const r of requests) groups.set(route(r), [...(groups.get(route(r)) ?? []), r.ms]);
  const reads = requests.filter((r) => r.method === "GET").map((r) => r.ms);
  const writes = requests.filter((r) => r.method !== "GET").map((r) => r.ms);
  return {
    base,
    reads: { count: reads.length, p50_ms: Math.round(percentile(reads, 50)), p95_ms: Math.round(percentile(reads, 95)) },
    writes: { count: writes.length, p50_ms: Math.round(percentile(writes, 50)), p95_ms: Math.round(percentile(writes, 95)) },
    routes: Object.fromEntries(
      [...groups.entries()]
        .sort((a, b) => percentile(b[1], 95) - percentile(a[1], 95))
        .map(([name, ms]) => [name, { count: ms.length, p50_ms: Math.round(percentile(ms, 50)), p95_ms: Math.round(percentile(ms, 95)) }]),
    ),
  };
}
