"""`python -m pas` runs the CLI."""

from pas.cli import main

raise SystemExit(main())
