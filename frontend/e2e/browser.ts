// Headless Debian chromium through playwright-core (no browser is downloaded).
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

export const ARTIFACTS = resolve(import.meta.dirname, "..", "test-results", "e2e");
export const STRICT_CSP = "default-src 'self'; connect-src 'self' ws: wss:; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
/** Swagger UI's stylesheet draws its icons from data: URIs; that is all /docs adds. */
export const DOCS_CSP = `${STRICT_CSP}; img-src 'self' data:`;
export const SIZES = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
export type Size = keyof typeof SIZES;

export async function launch(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-dev-shm-usage",
      // documents fulfilled by `context.route` (below) have no IP address, so Chromium 142+
      // counts them as public and blocks their WebSocket to 127.0.0.1 (Local Network Access)
      "--disable-features=LocalNetworkAccessChecks,LocalNetworkAccessChecksWebSockets",
    ],
  });
}

export interface Watched {
  page: Page;
  errors: string[];
  requests: Timed[];
}

export interface Timed {
  method: string;
  url: string;
  ms: number;
}

/** A page whose console errors, page errors and request timings are recorded. */
export async function watchedPage(context: BrowserContext): Promise<Watched> {
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: Timed[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
  page.on("requestfinished", (r) => {
    const t = r.timing();
    if (t.responseEnd > 0) requests.push({ method: r.method(), url: r.url(), ms: t.responseEnd }); // ms from the request's start
  });
  return { page, errors, requests };
}

/** A context that adds the strict Content-Security-Policy to every HTML answer of the server. */
export async function strictContext(
  browser: Browser,
  size: Size,
  base: string,
  options: { csp?: string; colorScheme?: "light" | "dark" } = {},
): Promise<BrowserContext> {
  const csp = options.csp ?? STRICT_CSP;
  const context = await browser.newContext({ viewport: SIZES[size], acceptDownloads: true, colorScheme: options.colorScheme ?? "light" });
  await context.route(`${base}/**`, async (route) => {
    if (route.request().resourceType() !== "document") return route.continue();
    const response = await route.fetch();
    await route.fulfill({ response, headers: { ...response.headers(), "content-security-policy": csp } });
  });
  return context;
}

/** Put a key in the tab's sessionStorage before the app starts (as a login would). */
export async function loggedIn(context: BrowserContext, apiKey: string, role: string): Promise<void> {
  await context.addInitScript(
    ([k, r]) => {
      sessionStorage.setItem("pas.apiKey", k as string);
      sessionStorage.setItem("pas.role", r as string);
    },
    [apiKey, role],
  );
}

export function shot(name: string): string {
  return join(ARTIFACTS, `${name}.png`);
}

/** Wait until every chart canvas on the page has drawn; return their count. */
export async function chartsDrawn(page: Page, timeout = 30_000): Promise<number> {
  await page.waitForFunction(
    () => {
      const canvases = [...document.querySelectorAll("canvas")];
      const busy = document.querySelector(".state-loading");
      return canvases.length > 0 && !busy && canvases.every((c) => c.dataset.rendered === "true");
    },
    undefined,
    { timeout },
  );
  return page.locator("canvas").count();
}

/** For each canvas: the share of painted pixels and the number of distinct colours. */
export async function canvasInk(page: Page): Promise<{ painted: number; colours: number }[]> {
  return page.$$eval("canvas", (canvases) =>
    canvases.map((c) => {
      const ctx = c.getContext("2d");
      if (!ctx || c.width === 0 || c.height === 0) return { painted: 0, colours: 0 };
      const data = ctx.getImageData(0, 0, c.width, c.height).data;
      let painted = 0;
      const colours = new Set<number>();
      for (let i = 0; i < data.length; i += 4) {
        if ((data[i + 3] ?? 0) > 0) {
          painted++;
          if (colours.size < 64) colours.add(((data[i] ?? 0) << 16) | ((data[i + 1] ?? 0) << 8) | (data[i + 2] ?? 0));
        }
      }
      return { painted: painted / (c.width * c.height), colours: colours.size };
    }),
  );
}
