"""Daily book metrics against a plain-loop oracle, and flows that never count as performance."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from pas.analytics.daily_metrics import Book, book_metrics, period_returns


def _oracle(
    cash: list[float],
    flows: list[float],
    qty: list[dict[str, float]],
    prices: list[dict[str, float]],
) -> list[dict[str, float]]:
    """The same metrics, one day at a time, from their definitions."""
    out = []
    prev_equity, wealth, peak, returns = 0.0, 1.0, 1.0, []
    for t in range(len(cash)):
        values = {s: q * prices[t][s] for s, q in qty[t].items()}
        equity = cash[t] + sum(values.values())
        base = prev_equity + flows[t]
        r = equity / base - 1 if base > 0 else float("nan")
        wealth *= 1 + (0 if math.isnan(r) else r)
        peak = max(peak, wealth)
        returns.append(r)
        tail = [x for x in returns[-63:] if not math.isnan(x)]
        vol = float(np.std(tail, ddof=1) * math.sqrt(252)) if len(tail) >= 20 else float("nan")
        out.append(
            {
                "equity": equity,
                "daily_return": r,
                "cumulative_return": wealth - 1,
                "gross_exposure": sum(abs(v) for v in values.values()) / equity,
                "drawdown": wealth / peak - 1,
                "volatility_annual": vol,
            }
        )
        prev_equity = equity
    return out


def test_book_metrics_match_a_day_by_day_oracle() -> None:
    rng = np.random.default_rng(7)
    days = pd.bdate_range("2024-01-01", periods=90)
    px = pd.DataFrame(
        100 * np.cumprod(1 + rng.normal(0, 0.01, (90, 3)), axis=0),
        index=days,
        columns=["A", "B", "C"],
    )
    cash, flows, qty = [], [], []
    c = 0.0
    for t in range(90):
        flow = 10_000.0 if t == 0 else (5_000.0 if t == 40 else (-2_000.0 if t == 70 else 0.0))
        c += flow
        held = {"A": 20.0, "B": 30.0 if t >= 10 else 0.0, "C": 5.0 if t >= 50 else 0.0}
        if t == 10:
            c -= 30 * px.iloc[t]["B"]  # bought B at the close
        if t == 50:
            c -= 5 * px.iloc[t]["C"]
        if t == 0:
            c -= 20 * px.iloc[0]["A"]
        cash.append(c)
        flows.append(flow)
        qty.append(held)
    book = Book(days, np.array(cash), np.array(flows), pd.DataFrame(qty, index=days))
    got = book_metrics(book, px, {"A": "Tech", "B": "Tech", "C": None}).frame
    want = _oracle(cash, flows, qty, [px.iloc[t].to_dict() for t in range(90)])
    for column in (
        "equity",
        "daily_return",
        "cumulative_return",
        "gross_exposure",
        "drawdown",
        "volatility_annual",
    ):
        np.testing.assert_allclose(
            got[column].to_numpy(), [w[column] for w in want], rtol=1e-10, err_msg=column
        )
    var = got["var_95"].iloc[-1]
    assert var == np.quantile(
        got["daily_return"].to_numpy()[-90:][~np.isnan(got["daily_return"].to_numpy()[-90:])], 0.05
    )


def test_sector_weights_betas_and_cash_add_up() -> None:
    days = pd.bdate_range("2024-01-01", periods=3)
    px = pd.DataFrame({"A": [10.0, 11.0, 12.0], "B": [20.0, 20.0, 19.0]}, index=days)
    book = Book(
        days,
        np.array([700.0, 700.0, 700.0]),
        np.array([1000.0, 0, 0]),
        pd.DataFrame({"A": [10.0] * 3, "B": [10.0] * 3}, index=days),
    )
    betas = {"mkt_rf": pd.DataFrame({"A": [1.2] * 3, "B": [0.5] * 3}, index=days)}
    m = book_metrics(book, px, {"A": "Tech", "B": "Energy"}, betas)
    day0 = m.weights.iloc[0]
    assert day0["A"] == 100 / 1000 and day0["B"] == 200 / 1000
    assert m.sectors.iloc[0].to_dict() == {"Energy": 0.2, "Tech": 0.1}
    assert m.betas["mkt_rf"].iloc[0] == 0.1 * 1.2 + 0.2 * 0.5
    assert m.frame["net_exposure"].iloc[0] + 700 / 1000 == 1.0
    # a held symbol without a beta: the book's beta is unknown, not understated
    betas["mkt_rf"].loc[days[2], "B"] = np.nan
    assert np.isnan(book_metrics(book, px, {}, betas).betas["mkt_rf"].iloc[2])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-0.9, 5.0), min_size=2, max_size=30))
def test_money_moved_in_or_out_is_never_a_return(deposits: list[float]) -> None:
    """With prices unchanged, any deposits and withdrawals leave every daily return at zero."""
    equity, flows, level = [], [], 0.0
    for t in range(len(deposits)):
        flow = 1000.0 if t == 0 else deposits[t] * 100
        if level + flow <= 0:
            flow = 0.0
        level += flow
        equity.append(level)
        flows.append(flow)
    r = period_returns(np.array(equity), np.array(flows))
    np.testing.assert_allclose(r, 0.0, atol=1e-12)
