import { screen, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { resetCapabilities } from "@/shared/api/capabilities";
import * as demo from "@/testing/demo-data";
import { fakeServer } from "@/testing/fake-server";
import { renderPage } from "@/testing/render";
import { AccountPage } from "./account-page";

vi.mock("react-chartjs-2", async () => ({ Chart: (await import("@/testing/chart-mock")).ChartStub }));

const routes = {
  "GET /api/v1/ledger/sleeves": demo.sleeves,
  "GET /api/v1/ledger/account": demo.totals,
  "GET /api/v1/strategies": demo.strategies,
  "GET /api/v1/securities": demo.securities,
  "GET /api/v1/prices": demo.prices,
};

beforeEach(() => resetCapabilities());

describe("AccountPage", () => {
  it("shows each sleeve side by side with its scheme, money, returns and next rebalance", async () => {
    fakeServer(routes);
    renderPage(<AccountPage />, "viewer");
    const row = await screen.findByRole("row", { name: /demo-max_sharpe/ });
    const cells = within(row).getAllByRole("cell").map((c) => c.textContent);
    expect(cells.slice(0, 7)).toEqual(["demo-max_sharpe", "max_sharpe", "$19,862", "$0", "$19,862", "$17,400", "$37,262"]);
    // today: 100 x (174 - 172) over yesterday's 37,062; cumulative: 400 of PnL on 36,862 put in
    expect(await within(row).findByText("0.54%")).toBeInTheDocument();
    expect(cells[8]).toBe("1.09%");
    expect(cells[9]).toMatch(/^\d{4}-\d{2}-\d{2} 15:30 UTC$/);
    expect(screen.getByRole("row", { name: /demo-min_variance/ })).toHaveTextContent("not scheduled");
    expect(screen.getByText("$4,000,000")).toBeInTheDocument(); // unallocated
    expect(screen.getAllByTestId("chart").map((c) => c.getAttribute("aria-label"))).toEqual(["Sleeve value", "Account by sleeve"]);
    expect(screen.queryByRole("button", { name: /reconcile now/i })).toBeNull();
  });

  it("prefers the metrics job's returns when the server has them", async () => {
    const summary = { as_of: "2022-12-28", stale: false, account: null, sleeves: [{ sleeve_id: 1, date: "2022-12-28", equity: "1", cash: "1", daily_return: 0.0123, cumulative_return: 0.25, gross_exposure: 1, net_exposure: 1, volatility_annual: 0.2, drawdown: 0, var_95: 0, stale: false }] };
    fakeServer({ ...routes, "GET /api/v1/metrics/summary": summary }, ["/api/v1/metrics/summary"]);
    renderPage(<AccountPage />, "trader");
    const row = await screen.findByRole("row", { name: /demo-max_sharpe/ });
    expect(await within(row).findByText("1.23%")).toBeInTheDocument();
    expect(within(row).getByText("25.00%")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: /reconcile now/i })).toBeInTheDocument();
  });

  it("says how to create strategies when there are none", async () => {
    fakeServer({ ...routes, "GET /api/v1/ledger/sleeves": [] });
    renderPage(<AccountPage />);
    expect((await screen.findAllByText(/No strategies yet: create one with pas strategies create/))[0]).toBeInTheDocument();
    expect(screen.getAllByText("pas strategies demo")[0]?.tagName).toBe("CODE");
  });

  it("shows a failing read inside its own panel", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    fakeServer({ ...routes, "GET /api/v1/ledger/account": new Response(JSON.stringify({ error: { code: "unavailable", message: "redis down", details: {} } }), { status: 503 }) });
    renderPage(<AccountPage />);
    expect(await screen.findByRole("alert", undefined, { timeout: 10_000 })).toHaveTextContent(/Account could not be shown/);
    expect(await screen.findByRole("row", { name: /demo-max_sharpe/ })).toBeInTheDocument();
  });
});
