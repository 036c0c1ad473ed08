"""PAS allocation vs PyPortfolioOpt, skfolio and Riskfolio-Lib, side by side in one process.

Same seeded factor-model returns (T = 1,260 days) for every library;
estimate (historical mean, sample covariance) + solve, median of repeated
calls; plus a direct Clarabel solve of the same problem on the same
estimates. Peers that fail are reported as failures, not crashes.

    PYTHONPATH=src python benchmarks/allocation.py [--sizes 20,100,500] [--repeats 15]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from pas.analytics.allocation import allocate
from pas.analytics.allocation.constraints import build_constraints
from pas.analytics.allocation.solvers import max_sharpe_conic, min_variance_conic, risk_budget_conic

RF = 0.02  # annual
T = 1260
SCHEMES = {"max_sharpe": "max-Sharpe", "min_variance": "min-variance", "risk_parity": "risk parity"}


def factor_returns(n: int, t: int = T, seed: int = 7) -> pd.DataFrame:
    """Return seeded daily returns of a 3-factor model (dates x n assets)."""
    rng = np.random.default_rng(seed + n)
    betas = rng.normal([1.0, 0.0, 0.0], [0.3, 0.5, 0.5], size=(n, 3))
    factors = rng.normal([0.0004, 0.0001, 0.0001], [0.011, 0.006, 0.006], size=(t, 3))
    alpha = rng.normal(0.0002, 0.0003, size=n)
    noise = rng.normal(0.0, 1.0, size=(t, n)) * rng.uniform(0.008, 0.025, size=n)
    index = pd.bdate_range("2018-01-01", periods=t)
    return pd.DataFrame(
        alpha + factors @ betas.T + noise, index=index, columns=[f"S{i:03d}" for i in range(n)]
    )


def _ordered(weights: Any, columns: pd.Index) -> np.ndarray:
    if isinstance(weights, dict):
        return np.array([weights[c] for c in columns], dtype=float)
    if isinstance(weights, pd.DataFrame):
        return weights.reindex(columns).iloc[:, 0].to_numpy(dtype=float)
    return np.asarray(weights, dtype=float).ravel()


def pas_run(scheme: str, r: pd.DataFrame) -> np.ndarray:
    """PAS: estimate + solve through the public API."""
    a = allocate(
        returns=r,
        method=scheme,
        expected_returns="historical",
        covariance="sample",
        risk_free=RF,
        lookback=None,  # every one of the T days, as the peers use
    )
    return a.weights.reindex(r.columns).to_numpy()


def pypfopt_run(scheme: str, r: pd.DataFrame) -> np.ndarray:
    """PyPortfolioOpt: mean_historical_return + sample_cov + EfficientFrontier."""
    from pypfopt import EfficientFrontier, expected_returns, risk_models

    if scheme == "risk_parity":
        raise NotImplementedError("no risk-budgeting optimiser")
    mu = expected_returns.mean_historical_return(r, returns_data=True, compounding=False)
    cov = risk_models.sample_cov(r, returns_data=True)
    ef = EfficientFrontier(mu, cov)
    weights = ef.max_sharpe(risk_free_rate=RF) if scheme == "max_sharpe" else ef.min_volatility()
    return _ordered(dict(weights), r.columns)


def skfolio_run(scheme: str, r: pd.DataFrame) -> np.ndarray:
    """skfolio: MeanRisk (max ratio / min risk) and RiskBudgeting, variance, empirical prior."""
    from skfolio.optimization import MeanRisk, ObjectiveFunction, RiskBudgeting

    if scheme == "risk_parity":
        model: Any = RiskBudgeting()
    elif scheme == "max_sharpe":
        model = MeanRisk(
            objective_function=ObjectiveFunction.MAXIMIZE_RATIO, risk_free_rate=RF / 252
        )
    else:
        model = MeanRisk()
    return np.asarray(model.fit(r).weights_, dtype=float)


def riskfolio_run(scheme: str, r: pd.DataFrame) -> np.ndarray:
    """Riskfolio-Lib: Portfolio.assets_stats(hist) + optimization / rp_optimization."""
    import riskfolio as rp

    port = rp.Portfolio(returns=r)
    port.assets_stats(method_mu="hist", method_cov="hist")
    if scheme == "risk_parity":
        w = port.rp_optimization(model="Classic", rm="MV", rf=0, b=None, hist=True)
    else:
        obj = "Sharpe" if scheme == "max_sharpe" else "MinRisk"
        w = port.optimization(model="Classic", rm="MV", obj=obj, rf=RF / 252, l=0, hist=True)
    if w is None:
        raise RuntimeError("no solution")
    return _ordered(w, r.columns)


def clarabel_run(scheme: str, r: pd.DataFrame) -> np.ndarray:
    """A direct Clarabel solve of the same problem on the same estimates (raw, unpolished)."""
    values = r.to_numpy()
    mu, cov = values.mean(axis=0) * 252, np.cov(values, rowvar=False) * 252
    cons = build_constraints(list(r.columns))
    if scheme == "max_sharpe":
        return max_sharpe_conic(cov, mu - RF, cons, exact=False)[0]
    if scheme == "min_variance":
        return min_variance_conic(cov, cons, exact=False)[0]
    return risk_budget_conic(cov, np.full(len(mu), 1.0 / len(mu)), cons)[0]


RUNNERS: dict[str, Callable[[str, pd.DataFrame], np.ndarray]] = {
    "PAS": pas_run,
    "PyPortfolioOpt": pypfopt_run,
    "skfolio": skfolio_run,
    "Riskfolio-Lib": riskfolio_run,
    "Clarabel (direct)": clarabel_run,
}


def measure(
    scheme: str, r: pd.DataFrame, repeats: int, budget: float = 20.0
) -> dict[str, tuple[float, np.ndarray] | str]:
    """Return library -> (median seconds, weights) or a failure note.

    Calls are interleaved round by round (every library once per round), so
    load from other processes on the machine hits every library alike. A
    library slower than budget / repeats joins only the first 3 rounds.
    """
    weights: dict[str, np.ndarray] = {}
    out: dict[str, tuple[float, np.ndarray] | str] = {}
    times: dict[str, list[float]] = {}
    for name, fn in RUNNERS.items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                start = time.perf_counter()
                weights[name] = fn(scheme, r)
                times[name] = [time.perf_counter() - start]
        except Exception as exc:
            out[name] = f"failed: {type(exc).__name__}: {str(exc)[:60]}"
    for round_ in range(repeats):
        for name, fn in RUNNERS.items():
            if name not in weights or (round_ >= 3 and min(times[name]) > budget / repeats):
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                start = time.perf_counter()
                fn(scheme, r)
                elapsed = time.perf_counter() - start
            if round_ == 0:
                times[name] = []  # the first call warmed caches and imports
            times[name].append(elapsed)
    for name, w in weights.items():
        out[name] = (statistics.median(times[name]), w)
    return out


def run(sizes: list[int], repeats: int) -> list[dict[str, Any]]:
    """Return one row per (scheme, N, library)."""
    rows = []
    for n in sizes:
        r = factor_returns(n)
        for scheme in SCHEMES:
            rows += _rows(scheme, n, measure(scheme, r, repeats))
    return rows


def _rows(scheme: str, n: int, results: dict[str, Any]) -> list[dict[str, Any]]:
    pas_t, _pas_w = results["PAS"]
    ref = results["Clarabel (direct)"]
    out = []
    for name, res in results.items():
        row: dict[str, Any] = {"scheme": scheme, "N": n, "library": name}
        if isinstance(res, str):
            row.update(ms=None, ratio=None, diff=None, note=res)
        else:
            t, w = res
            diff = float(np.abs(w - ref[1]).max()) if not isinstance(ref, str) else None
            row.update(ms=t * 1e3, ratio=t / pas_t, diff=diff, note="")
        out.append(row)
    return out


def report(rows: list[dict[str, Any]]) -> None:
    """Print the table and the PAS speed-up over the fastest peer."""
    print(
        f"{'scheme':<13}{'N':>5}  {'library':<18}{'median ms':>11}{'x PAS':>9}  {'max|w-w_clarabel|':>18}  note"
    )
    for r in rows:
        ms = "" if r["ms"] is None else f"{r['ms']:.2f}"
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.1f}"
        diff = "" if r["diff"] is None else f"{r['diff']:.1e}"
        print(
            f"{r['scheme']:<13}{r['N']:>5}  {r['library']:<18}{ms:>11}{ratio:>9}  {diff:>18}  {r['note']}"
        )
    print("\nPAS speed-up over the fastest peer (estimate + solve):")
    peers = ("PyPortfolioOpt", "skfolio", "Riskfolio-Lib")
    for scheme in SCHEMES:
        for n in sorted({r["N"] for r in rows}):
            sel = [r for r in rows if r["scheme"] == scheme and r["N"] == n]
            pas = next(r for r in sel if r["library"] == "PAS")
            ok = [r for r in sel if r["library"] in peers and r["ms"] is not None]
            if not ok:
                print(f"  {scheme:<13} N={n:<4} every peer failed")
                continue
            best = min(ok, key=lambda r: r["ms"])
            print(
                f"  {scheme:<13} N={n:<4} {best['ms'] / pas['ms']:7.1f}x  (fastest peer {best['library']}, {best['ms']:.1f} ms; PAS {pas['ms']:.2f} ms)"
            )


def main() -> None:
    """Parse arguments, run, print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="20,100,500")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    report(run([int(s) for s in args.sizes.split(",")], args.repeats))


if __name__ == "__main__":
    main()
