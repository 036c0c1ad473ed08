"""`pas evaluate`: computes, persists, extends, prints side by side; errors are one line."""

from __future__ import annotations

import json

import pytest

from pas.cli import main

ARGS = [
    "evaluate",
    "--methods",
    "max_sharpe,min_variance",
    "--symbols",
    "AAPL,XOM,JPM",
    "--rebalance",
    "Q",
    "--lookback",
    "126",
]


def test_evaluate_then_update(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "load-demo", "--json"]) == 0
    capsys.readouterr()
    assert main([*ARGS, "--name", "quarterly", "--json"]) == 0
    (first,) = json.loads(capsys.readouterr().out)
    assert first["created"] is True and first["last_date"] == "2022-12-28"
    assert first["name"] == "quarterly"
    assert set(first["metrics"]) == {"max_sharpe", "min_variance", "equal_weight"}
    assert (
        first["metrics"]["min_variance"]["volatility_annual"]
        < first["metrics"]["equal_weight"]["volatility_annual"] * 1.2
    )
    # --update maintains the default run (created here) and extends the ad-hoc one
    assert main(["evaluate", "--update", "--json"]) == 0
    default, updated = json.loads(capsys.readouterr().out)
    assert default["name"] == "default" and default["created"] is True
    assert len(default["metrics"]) == 9
    assert updated["run_id"] == first["run_id"] and updated["new_days"] == 0
    assert updated["metrics"] == first["metrics"]
    assert main([*ARGS, "--start", "2020-01-01", "--end", "2020-12-31"]) == 0
    out = capsys.readouterr().out
    assert "max_sharpe" in out and "Sharpe" in out and "'quarterly'" in out
    assert main(["evaluate", "--list", "--json"]) == 0
    runs = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in runs] == ["quarterly", "default"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--methods", "magic"], "unknown method"),
        (["--rebalance", "yearly"], "rebalance must be"),
        (["--symbols", "NOPE"], "no prices for NOPE"),
        (["--lookback", "9000"], "above the limit of 5,040"),
        (["--rebalance", "D"], "above the limit of 1,000,000"),
        (["--name", "a b"], "run name"),
    ],
)
def test_bad_input_is_one_line(
    capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    assert main(["data", "load-demo", "--json"]) == 0
    capsys.readouterr()
    assert main(["evaluate", "--lookback", "60", *extra]) == 1
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err
