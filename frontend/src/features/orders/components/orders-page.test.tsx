import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import * as demo from "@/testing/demo-data";
import { fakeServer } from "@/testing/fake-server";
import { renderPage } from "@/testing/render";
import { OrdersPage } from "./orders-page";

const plan = {
  strategy: { id: 1, name: "demo-max_sharpe" }, dry_run: true, targets: { JNJ: 0.5 }, second_wave: null, orders: [],
  plan: { orders: [{ symbol: "JNJ", side: "buy", qty: "10", type: "market", price: "174", limit_price: null, notional: "1740", expected_cost: "0.87", wave: 1 }], deferred: [], equity: "1000000", free_float: "1000000", cash_after: "998260", expected_costs: "0.87", weights_before: {}, weights_after: {}, skipped: [] },
};

describe("OrdersPage", () => {
  it("shows a viewer the orders and no trade button", async () => {
    fakeServer({ "GET /api/v1/orders": demo.orders, "GET /api/v1/strategies": demo.strategies });
    renderPage(<OrdersPage />, "viewer");
    expect(await screen.findByRole("row", { name: /JNJ/ })).toHaveTextContent("demo-max_sharpe");
    expect(screen.queryByRole("button", { name: /preview|submit|^cancel/i })).toBeNull();
  });

  it("lets a trader preview, then submit, a rebalance and cancel an open order", async () => {
    const { calls } = fakeServer({
      "GET /api/v1/orders": demo.orders,
      "GET /api/v1/strategies": demo.strategies,
      "POST /api/v1/strategies/1/rebalance": (url: URL) => ({ ...plan, dry_run: url.searchParams.get("dry_run") === "true" }),
      "POST /api/v1/orders/7/cancel": { ...demo.orders[0], status: "canceled" },
    });
    renderPage(<OrdersPage />, "trader");
    const submit = await screen.findByRole("button", { name: "Submit rebalance" });
    expect(submit).toBeDisabled();
    await userEvent.click(screen.getByRole("button", { name: "Preview rebalance" }));
    expect(await screen.findByRole("row", { name: /JNJ buy 10 market/ })).toBeInTheDocument();
    await userEvent.click(submit);
    expect(await screen.findByText(/Submitted: 0 order\(s\) placed for demo-max_sharpe/)).toBeInTheDocument();
    expect(calls).toContain("POST /api/v1/strategies/1/rebalance?dry_run=true");
    expect(calls).toContain("POST /api/v1/strategies/1/rebalance?dry_run=false");
    await userEvent.click(screen.getByRole("button", { name: "Cancel order 7" }));
    expect(calls).toContain("POST /api/v1/orders/7/cancel");
  });
});
