"""Packaging stays consistent: demo data and the built front end ship (the lock: test_deploy_files)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


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


@pytest.mark.slow
def test_the_dashboard_and_docs_ship_in_the_wheel(tmp_path: Path) -> None:
    import subprocess
    import sys
    import zipfile

    static = ROOT / "src" / "pas" / "service" / "static"
    if not (static / "dashboard" / "index.html").is_file():
        pytest.skip("the front end is not built (make dashboard; make test builds it first)")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("pas-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    built = {
        f"pas/service/static/{p.relative_to(static).as_posix()}"
        for p in static.rglob("*")
        if p.is_file()
    }
    assert "pas/service/static/dashboard/index.html" in names
    assert "pas/service/static/docs/swagger-ui-bundle.js" in names
    assert built <= names
