import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import * as demo from "@/testing/demo-data";
import { fakeServer } from "@/testing/fake-server";
import { renderPage } from "@/testing/render";
import { EvaluationPage } from "./evaluation-page";

vi.mock("react-chartjs-2", async () => ({ Chart: (await import("@/testing/chart-mock")).ChartStub }));

const metrics = (cagr: number) => ({ cagr, volatility_annual: 0.2, sharpe: 0.7, sortino: 1, max_drawdown: -0.3, calmar: 0.5, turnover_annual: 1, hit_rate: 0.5, beta_mkt: 1, alpha_ff3_annual: 0.01, t_alpha_ff3: 1.5, var_95: -0.02, cvar_95: -0.03, psr: 0.99 });
const rows = [{ date: "2022-12-27", gross: 0.01, net: 0.01, turnover: 0, cost: 0 }, { date: "2022-12-28", gross: -0.02, net: -0.02, turnover: 0, cost: 0 }];

describe("EvaluationPage", () => {
  it("shows every scheme's metrics and charts over the chosen period", async () => {
    const { calls } = fakeServer({
      "GET /api/v1/securities": demo.securities,
      "GET /api/v1/evaluations": { run_id: 3, last_date: "2022-12-28", params: {}, metrics: { max_sharpe: metrics(0.12), hrp: metrics(0.08) } },
      "GET /api/v1/evaluations/max_sharpe/returns": { method: "max_sharpe", rows },
      "GET /api/v1/evaluations/hrp/returns": { method: "hrp", rows },
    });
    renderPage(<EvaluationPage />, "viewer");
    const row = await screen.findByRole("row", { name: /max_sharpe/ });
    expect(within(row).getAllByRole("cell").map((c) => c.textContent).slice(0, 4)).toEqual(["max_sharpe", "12.0%", "20.0%", "0.70"]);
    const charts = await screen.findAllByTestId("chart");
    expect(charts.map((c) => c.getAttribute("aria-label"))).toEqual(["Equity curves (growth of 1, net of costs)", "Drawdowns", "Rolling 1-year Sharpe"]);
    expect(charts[0]).toHaveAttribute("data-datasets", "max_sharpe,hrp");
    expect(screen.getByRole("combobox", { name: "Run" })).toHaveTextContent("#3 (current, data to 2022-12-28)");
    expect(calls).toContain("GET /api/v1/evaluations?start=2012-12-28");
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Period" }), "1y");
    await screen.findByRole("row", { name: /hrp/ });
    expect(calls).toContain("GET /api/v1/evaluations/hrp/returns?start=2021-12-28");
  });

  it("says how to run an evaluation when there is none", async () => {
    fakeServer({ "GET /api/v1/securities": demo.securities, "GET /api/v1/evaluations": new Response(JSON.stringify({ error: { code: "not_found", message: "no evaluation run yet", details: {} } }), { status: 404 }) });
    renderPage(<EvaluationPage />);
    expect((await screen.findAllByText("pas evaluate --update"))[0]).toBeInTheDocument();
  });
});
