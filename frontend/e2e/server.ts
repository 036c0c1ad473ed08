// Global set-up of the end-to-end run: a fresh PAS with the demo data, as
// `make run` makes it (in a temporary directory), served on a free port.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TestProject } from "vitest/node";

export interface ServerInfo {
  base: string;
  adminKey: string;
  viewerKey: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    server: ServerInfo;
  }
}

const repo = resolve(import.meta.dirname, "..", "..");
const pas = process.env.PAS_BIN ?? join(repo, ".venv", "bin", "pas");

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? done(address.port) : fail(new Error("no port"))));
    });
  });
}

async function waitHealthy(base: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`pas serve exited (${child.exitCode}):\n${log()}`);
    try {
      if ((await fetch(`${base}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`pas serve did not answer /health within 60 s:\n${log()}`);
}

export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), "pas-e2e-"));
  // the embedded defaults, as `make run` uses them: no Redis, a SQLite file of its own
  const env: NodeJS.ProcessEnv = { ...process.env, PAS_DATABASE__URL: `sqlite:///${join(dir, "pas.db")}`, NO_COLOR: "1" };
  delete env.PAS_REDIS__URL;
  const run = (...args: string[]) => execFileSync(pas, args, { cwd: dir, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  for (const step of [["init-db"], ["data", "load-demo"], ["strategies", "demo"], ["evaluate", "--update"]]) run(...step);
  // the demo key's file is per database: ask the CLI for it rather than guess its name
  const adminKey = (JSON.parse(run("keys", "demo", "--json")) as { key: string }).key;
  const viewerKey = (JSON.parse(run("keys", "create", "--role", "viewer", "--name", "e2e viewer", "--json")) as { key: string }).key;

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let output = "";
  const child = spawn(pas, ["serve", "--port", String(port)], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  await waitHealthy(base, child, () => output);
  project.provide("server", { base, adminKey, viewerKey });
  return () => {
    child.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  };
}
