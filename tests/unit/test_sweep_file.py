"""The sweep file: defaults, runs and a grid expand to checked runs; bad input is a typed error."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pas.analytics.comparison import ALL_METHODS
from pas.config import ExecutorAddress, load_settings, parse_executor
from pas.core.errors import ConfigError, InvalidInput
from pas.workflows.sweep_file import MAX_SWEEP_RUNS, expand, parse_sweep

UNIVERSE = ["AAPL", "JPM", "XOM"]

SWEEP = """
name: s
defaults:
  methods: [max_sharpe, min_variance]
  rebalance: M
  cost_bps: 5
  start: 2019-01-01
runs:
  - name: tech
    symbols: [aapl, msft]
    cost_bps: 20
  - name: all
    methods: all
grid:
  lookback: [252, 504]
  rebalance: [Q, "drift:0.05"]
"""


def test_defaults_runs_and_grid_expand_in_order() -> None:
    runs = expand(parse_sweep(SWEEP), UNIVERSE)
    assert len(runs) == 2 * 2 * 2
    first = runs[0]
    assert first.name == "s.tech.lookback-252.rebalance-Q"
    assert first.symbols == ("AAPL", "MSFT") and first.cost_bps == 20.0
    assert first.methods == ("max_sharpe", "min_variance") and first.lookback == 252
    assert first.start == dt.date(2019, 1, 1) and first.end is None
    assert runs[1].name == "s.tech.lookback-252.rebalance-drift_0.05"
    assert runs[1].rebalance == "drift:0.05"
    last = runs[-1]
    assert last.name == "s.all.lookback-504.rebalance-drift_0.05"
    assert last.symbols == tuple(UNIVERSE) and last.methods == ALL_METHODS
    assert last.cost_bps == 5.0 and last.lookback == 504


def test_a_sweep_without_runs_is_one_run_of_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "one.yaml"
    path.write_text("defaults: {symbols: [XOM], lookback: 63, cost_bps: 0}\n")
    (run,) = expand(parse_sweep(path), UNIVERSE)
    assert run.name == "sweep.run" and run.symbols == ("XOM",) and run.cost_bps == 0.0
    assert run.rebalance == "M" and run.covariance == "ledoit_wolf" and run.methods == ALL_METHODS


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("runs: [{name: a, lookbak: 10}]", "runs.0.lookbak: Extra inputs are not permitted"),
        (
            "runs: [{name: a, lookback: 1}]",
            "runs.0.lookback: Input should be greater than or equal to 2",
        ),
        ("runs: [{name: 'a b'}]", "runs.0.name: String should match pattern"),
        ("grid: {colour: [red]}", "unknown grid key(s) ['colour']"),
        ("grid: {lookback: []}", "have no values"),
        ("- a\n- b", "a sweep is a mapping"),
        ("runs: [{name: a", "the sweep is not YAML"),
        ("runs: [{name: a}, {name: a}]", "two runs of the sweep are named 's.a'"),
        ("runs: [{name: a, rebalance: yearly}]", "sweep run 's.a': rebalance must be"),
        ("runs: [{name: a, methods: [magic]}]", "sweep run 's.a': unknown method"),
        ("runs: [{name: a, covariance: magic}]", "sweep run 's.a'"),
        ("runs: [{name: a, start: 2020-01-01, end: 2019-01-01}]", "is before start"),
        ("grid: {lookback: [10, 20]}\nruns: [{name: a, symbols: []}]", "has no symbols"),
        ("runs: [{name: " + "x" * 63 + "}]", "longer than 64 characters"),
        ("grid: {lookback: " + str(list(range(2, 1004))) + "}", f"limit of {MAX_SWEEP_RUNS:,}"),
    ],
)
def test_bad_sweeps_are_invalid_input_naming_the_problem(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        sweep = parse_sweep("name: s\n" + text if not text.startswith("-") else text)
        expand(sweep, [] if "symbols: []" in text else UNIVERSE)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_missing_file_is_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot read the sweep file"):
        parse_sweep(tmp_path / "nope.yaml")


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("local", ExecutorAddress("local")),
        ("processes", ExecutorAddress("processes")),
        ("processes:3", ExecutorAddress("processes", workers=3)),
        ("dask://10.0.0.5:8786", ExecutorAddress("dask", scheduler="tcp://10.0.0.5:8786")),
    ],
)
def test_executor_addresses(text: str, address: ExecutorAddress) -> None:
    assert parse_executor(text) == address


@pytest.mark.parametrize("text", ["", "dask://host", "processes:0", "spark://h:1", "dask://h:1/x"])
def test_bad_executor_addresses(text: str) -> None:
    with pytest.raises(InvalidInput, match="expected local, processes"):
        parse_executor(text)
    with pytest.raises(ConfigError, match=r"evaluation\.executor"):
        load_settings(evaluation={"executor": text})
