"""CLI start-up: help and argument errors load no heavy library; --prices loads no database code.

Each check runs in a fresh interpreter and reads its `sys.modules`, so an
import added at the top of any command module fails here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

HEAVY = ("pandas", "scipy", "sqlalchemy", "fastapi", "numpy", "alembic", "redis", "uvicorn")
DATABASE = ("sqlalchemy", "alembic", "pymysql", "pas.database", "pas.bootstrap", "pas.config")

#: runs every invocation given as JSON, then prints the loaded top-level packages
_PROBE = """
import contextlib, io, json, sys
import typer.main
from pas.cli import app, main

def paths(command, prefix):
    yield prefix
    for name, sub in getattr(command, "commands", {}).items():
        yield from paths(sub, [*prefix, name])

calls = json.loads(sys.argv[1])
if calls == "every-help":
    calls = [[*p, "--help"] for p in paths(typer.main.get_command(app), [])]
codes = []
for argv in calls:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        codes.append(main(argv))
print(json.dumps({"calls": calls, "codes": codes, "modules": sorted(sys.modules)}))
"""


def _probe(calls: object) -> dict[str, list]:  # type: ignore[type-arg]
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(calls)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(out.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def _loaded(modules: list[str], names: tuple[str, ...]) -> list[str]:
    return sorted({m for m in modules for n in names if m == n or m.startswith(n + ".")})


def test_every_help_loads_no_heavy_library() -> None:
    found = _probe("every-help")
    assert len(found["calls"]) > 30  # every command and sub-command, the root included
    assert set(found["codes"]) == {0}
    assert _loaded(found["modules"], HEAVY) == []


def test_argument_errors_load_no_heavy_library() -> None:
    calls = [
        ["nosuch"],
        ["allocate", "--lookback", "x"],
        ["evaluate", "--rebalance"],
        ["factors", "--hac-lags", "-1"],
        ["ledger", "show"],
        ["data", "import-prices"],
    ]
    found = _probe(calls)
    assert all(code == 2 for code in found["codes"]), found["codes"]
    assert _loaded(found["modules"], HEAVY) == []


def test_allocate_from_a_csv_touches_no_database_code(tmp_path: Path) -> None:
    dates = pd.bdate_range("2021-01-04", periods=300)
    steps = pd.DataFrame(
        {
            s: 1 + 0.001 * ((i + 1) * (pd.Series(range(300)) % (7 + i) - 3))
            for i, s in enumerate("ABCD")
        }
    )
    prices = 100 * steps.cumprod()
    prices.index = dates
    prices.index.name = "date"
    path = tmp_path / "prices.csv"
    prices.to_csv(path)
    found = _probe([["allocate", "--prices", str(path), "--method", "min_variance", "--json"]])
    assert found["codes"] == [0]
    assert _loaded(found["modules"], DATABASE) == []
