// The server's own security headers (no policy injected by the test): the
// dashboard and /docs render under its Content-Security-Policy with no violation.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { chartsDrawn, launch, loggedIn, shot, watchedPage } from "./browser";

const { base, adminKey } = inject("server");
const PAGES = ["account", "evaluation", "allocation", "factors", "ledger", "orders", "live"] as const;

let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
});

/** A page that records every CSP violation the browser reports (event and console). */
async function recorded(context: BrowserContext): Promise<{ page: Page; errors: string[]; violations: () => Promise<string[]> }> {
  await context.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __csp: string[] }).__csp = seen;
    document.addEventListener("securitypolicyviolation", (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const { page, errors } = await watchedPage(context);
  const violations = async () => [
    ...(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)),
    ...errors.filter((e) => e.includes("Content Security Policy")),
  ];
  return { page, errors, violations };
}

describe("the server's Content-Security-Policy", () => {
  it("is sent with the security headers on the dashboard's document", async () => {
    const answer = await fetch(`${base}/dashboard/`);
    const policy = answer.headers.get("content-security-policy") ?? "";
    expect(policy).toContain("default-src 'self'");
    expect(policy).not.toContain("unsafe-inline");
    expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
    expect(answer.headers.get("x-frame-options")).toBe("DENY");
    expect(answer.headers.get("referrer-policy")).toBe("no-referrer");
  });

  it("lets every dashboard page render, live updates included, with no violation", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await loggedIn(context, adminKey, "admin");
    const { page, errors, violations } = await recorded(context);
    await page.goto(`${base}/dashboard/`);
    await page.waitForURL("**/dashboard/account");
    await chartsDrawn(page);
    for (const name of PAGES) {
      await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: new RegExp(`^${name}$`, "i") }).click();
      await page.waitForURL(`**/dashboard/${name}`);
      await page.waitForFunction(() => !document.querySelector(".state-loading"), undefined, { timeout: 30_000 });
    }
    await page.screenshot({ path: shot("csp-live-desktop") });
    expect(await violations()).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("lets /docs (Swagger UI) render with no violation", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const { page, errors, violations } = await recorded(context);
    await page.goto(`${base}/docs`);
    await page.locator(".opblock").first().waitFor({ timeout: 30_000 });
    expect(await page.locator(".opblock").count()).toBeGreaterThan(20);
    expect(await violations()).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("would report a violation: an inline script is refused", async () => {
    const context = await browser.newContext();
    const { page, violations } = await recorded(context);
    await page.goto(`${base}/dashboard/`);
    await page.evaluate(() => {
      const s = document.createElement("script");
      s.textContent = "window.__inline = true";
      document.head.appendChild(s);
    });
    await page.waitForFunction(() => (window as unknown as { __csp: string[] }).__csp.length > 0);
    expect((await violations()).join(" ")).toContain("script-src");
    expect(await page.evaluate(() => (window as unknown as { __inline?: boolean }).__inline)).toBeUndefined();
    await context.close();
  });
});
