"""Demo returns and factors, built once per run from the bundled data."""

from __future__ import annotations

import pandas as pd
import pytest

from pas.analytics.returns import simple_returns


@pytest.fixture(scope="session")
def demo_returns(demo_batches) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """Return simple daily returns of the 20 demo stocks and SP500, 1990-2022."""
    prices, _ = demo_batches
    wide = prices.prices.pivot(index="date", columns="symbol", values="adj_close")
    wide.index = pd.DatetimeIndex(wide.index)
    return simple_returns(wide)


@pytest.fixture(scope="session")
def demo_daily_factors(demo_batches) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """Return the demo daily factors (mkt_rf, smb, hml, rf, mom), 1970-2021."""
    return demo_batches[1][0].factors


@pytest.fixture(scope="session")
def demo_monthly_factors(demo_batches) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """Return the demo monthly factors (mkt_rf, smb, hml, rf), 1926-2018, month-end dates."""
    return demo_batches[1][1].factors
