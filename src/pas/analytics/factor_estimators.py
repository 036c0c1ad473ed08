"""Factor-model estimators: CAPM/FF3 expected returns and the factor covariance.

Both regress the lookback's excess returns on the factors (pas.analytics.
factors.factor_model) and follow the estimator contract of estimators.py.

Expected returns: mu_i = rf + sum_j beta_ij * premium_j (annual). The alpha
is left out on purpose: an estimated alpha is mostly noise, and a model
that forecast it would be a different model. The premia are the arithmetic
means of the whole factor history available up to the as-of date (the last
return date), not just the lookback, annualised (x 252 daily, x 12
monthly). rf is the latest risk-free rate of the window, annualised
(`risk_free="latest"`, the rate one can earn now), or its mean over the
lookback (`risk_free="mean"`).

Covariance: B Σ_f Bᵀ + diag(σ²_e), with Σ_f the factors' sample covariance
(ddof=1) over the regression window and σ²_e = SSR / (n - k), annualised.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pas.analytics.factors import factor_fit, factor_model
from pas.analytics.premia import premia_rows
from pas.core.errors import DataError, InvalidInput


def _need_factors(name: str, factors: pd.DataFrame | None) -> pd.DataFrame:
    if factors is None:
        raise DataError(f"the {name!r} estimator needs factor returns (mkt_rf, smb, hml, rf)")
    return factors


class FactorReturns:
    """Expected returns rf + betas · long-run premia of a factor model (annual)."""

    name = "ff3"
    model = "ff3"

    def __init__(
        self, premia_factors: pd.DataFrame | None = None, risk_free: str = "latest"
    ) -> None:
        if risk_free not in ("latest", "mean"):
            raise InvalidInput(f"risk_free must be 'latest' or 'mean', got {risk_free!r}")
        self.premia_factors = premia_factors
        self.risk_free = risk_free

    def fit(self, returns: pd.DataFrame, factors: pd.DataFrame | None = None) -> FactorReturns:
        """Estimate; results in `mu_` (annual), `betas_`, `premia_`, `rf_` and `diagnostics_`."""
        factors = _need_factors(self.name, factors)
        fit = factor_fit(returns, factors, model=self.model)
        as_of = returns.index[-1]
        history = self.premia_factors if self.premia_factors is not None else factors
        premia = premia_rows(history, as_of=as_of, columns=fit.factors)
        aligned = fit.aligned
        ppy = aligned.periods_per_year
        rf_window = aligned.factors["rf"].to_numpy(dtype=float)
        rf = float(rf_window[-1] if self.risk_free == "latest" else rf_window.mean()) * ppy
        self.betas_ = pd.DataFrame(fit.betas, index=fit.symbols, columns=list(fit.factors))
        self.premia_ = pd.Series({k: row["premium_annual"] for k, row in premia.items()})
        self.rf_ = rf
        # a model factor without premium history gives NaN, as a reindexed Series would
        vector = np.array(
            [premia[f]["premium_annual"] if f in premia else np.nan for f in fit.factors]
        )
        self.mu_ = pd.Series(rf + fit.betas @ vector, index=fit.symbols)
        self.diagnostics_: dict[str, Any] = {
            "model": self.model,
            "rf_annual": rf,
            "risk_free": self.risk_free,
            "premia_annual": {k: float(v) for k, v in self.premia_.items()},
            "premia_first": str(min(row["first"] for row in premia.values()).date()),
            "premia_last": str(max(row["last"] for row in premia.values()).date()),
            "n_obs_regression": int(fit.fits.n_obs.max()),
            "note": aligned.note(),
        }
        return self


class CapmReturns(FactorReturns):
    """CAPM expected returns rf + beta_mkt * long-run market premium (annual)."""

    name = "capm"
    model = "capm"


class FF3Returns(FactorReturns):
    """Fama–French three-factor expected returns rf + betas · long-run premia (annual)."""

    name = "ff3"
    model = "ff3"


class FactorCovariance:
    """Factor-model covariance B Σ_f Bᵀ + diag(residual variances), annual, symmetric PSD."""

    name = "factor"

    def __init__(self, model: str = "ff3") -> None:
        self.model = model

    def fit(self, returns: pd.DataFrame, factors: pd.DataFrame | None = None) -> FactorCovariance:
        """Estimate; results in `cov_`, `factor_cov_`, `resid_var_` (annual) and `diagnostics_`."""
        factors = _need_factors(self.name, factors)
        result = factor_model(returns, factors, model=self.model)
        ppy = result.periods_per_year
        window = result.factor_values[list(result.factors)]
        sigma_f = np.atleast_2d(np.cov(window.to_numpy(), rowvar=False, ddof=1)) * ppy
        b = result.betas.to_numpy()
        resid_var = result.resid_vol.to_numpy() ** 2 * ppy
        cov = b @ sigma_f @ b.T
        cov = 0.5 * (cov + cov.T) + np.diag(resid_var)
        symbols = returns.columns
        self.cov_ = pd.DataFrame(cov, index=symbols, columns=symbols)
        self.factor_cov_ = pd.DataFrame(sigma_f, index=result.factors, columns=result.factors)
        self.resid_var_ = pd.Series(resid_var, index=symbols)
        self.diagnostics_: dict[str, Any] = {"model": self.model, "note": result.note}
        return self
