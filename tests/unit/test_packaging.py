"""Packaging stays consistent: requirements.txt mirrors pyproject, demo data ships."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_requirements_txt_mirrors_pyproject() -> None:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lines = [
        line.strip()
        for line in (ROOT / "deploy" / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines == deps


def test_demo_files_ship_in_the_package() -> None:
    from pas.data.demo import demo_path

    for name in (
        "prices_daily.csv.gz",
        "securities.csv",
        "ff_factors_daily.csv.gz",
        "ff_factors_monthly.csv.gz",
    ):
        assert demo_path(name).is_file(), name


def test_import_pas_builds_nothing() -> None:
    import subprocess
    import sys

    code = "import sys, pas; print(sorted(m for m in ('sqlalchemy', 'redis', 'fastapi', 'alpaca') if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "[]"
