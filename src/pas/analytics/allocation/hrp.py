"""Hierarchical risk parity (López de Prado, 2016).

Assets are clustered by the correlation distance d_ij = √((1 - ρ_ij)/2)
(single linkage by default), ordered along the dendrogram, and weights are
split top-down: each half gets 1 - V_half / (V_left + V_right) of its parent's
weight, V being the variance of the half's inverse-variance portfolio.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

import numpy as np
from scipy.cluster.hierarchy import leaves_list, linkage
from scipy.spatial.distance import squareform

from pas.analytics.allocation.base import Degenerate, SchemeInput, project, timed
from pas.analytics.allocation.result import SchemeResult


def _cluster_variance(cov: np.ndarray, idx: np.ndarray) -> float:
    sub = cov[np.ix_(idx, idx)]
    iv = 1.0 / np.diag(sub)
    iv /= iv.sum()
    return float(iv @ sub @ iv)


def hrp_weights(cov: np.ndarray, method: str = "single") -> np.ndarray:
    """Return HRP weights (n,) of covariance `cov` with the given linkage method."""
    n = cov.shape[0]
    if n == 1:
        return np.ones(1)
    sd = np.sqrt(np.diag(cov))
    corr = np.clip(cov / np.outer(sd, sd), -1.0, 1.0)
    dist = np.sqrt(np.clip((1.0 - corr) / 2.0, 0.0, None))
    np.fill_diagonal(dist, 0.0)
    order = leaves_list(linkage(squareform(dist, checks=False), method))
    w = np.ones(n)
    clusters = [order]
    while clusters:
        split = []
        for c in clusters:
            if len(c) < 2:
                continue
            left, right = c[: len(c) // 2], c[len(c) // 2 :]
            v_left, v_right = _cluster_variance(cov, left), _cluster_variance(cov, right)
            alpha = 1.0 - v_left / (v_left + v_right)
            w[left] *= alpha
            w[right] *= 1.0 - alpha
            split += [left, right]
        clusters = split
    return w / w.sum()


class HierarchicalRiskParity:
    """HRP: recursive bisection over the correlation dendrogram."""

    name: ClassVar[str] = "hrp"
    fallback: ClassVar[str | None] = "inverse_volatility"
    params: ClassVar[frozenset[str]] = frozenset({"linkage"})
    risk_based: ClassVar[bool] = True
    holds_cash: ClassVar[bool] = False
    blends: ClassVar[bool] = False
    benchmark: ClassVar[bool] = True
    uses_current: ClassVar[bool] = False

    def solve(self, data: SchemeInput, linkage: str = "single", **_: Any) -> SchemeResult:
        """Return HRP weights, projected onto the constraints when they break one."""
        start = time.perf_counter()
        w = hrp_weights(data.cov, linkage)
        if not np.isfinite(w).all():
            raise Degenerate("HRP weights are not finite")
        out = project(data, w)
        return SchemeResult(out.weights, out.cash, timed("hrp", start), out.notes)
