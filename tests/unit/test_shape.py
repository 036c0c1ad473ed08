"""The shape of src/: formatted by ruff, no `# fmt: skip`, modules <= 400 lines, functions <= 60."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "pas"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60

ALLOWED = (
    "ledger/",
    "core/ledger",
    "workflows/ledger.py",
    "service/routers/ledger.py",
    "cli/ledger.py",
)


def _modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def test_src_is_formatted_by_ruff() -> None:
    files = [str(p) for p in _modules()]
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--quiet", *files],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_module_shape(path: Path) -> None:
    text = path.read_text()
    assert "fmt: skip" not in text and "fmt: off" not in text
    lines = text.count("\n")
    assert lines <= MAX_MODULE_LINES, f"{lines} lines: split the module by concept"
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (node.end_lineno or node.lineno) - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines: {long}"
