"""Run the updater: `python scripts/run_updater.py` = `pas updater` (same options)."""

from __future__ import annotations

import sys

from pas.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["updater", *sys.argv[1:]]))
