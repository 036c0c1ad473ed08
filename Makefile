# `make run` and `make test` do all set-up on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= $(or $(PAS_SERVER__PORT),8000)

.PHONY: run test install lint typecheck imports unit bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,peers]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/pas init-db
	$(BIN)/pas data load-demo
	$(BIN)/pas strategies demo
	$(BIN)/pas evaluate --update
	$(BIN)/pas keys demo
	@echo "PAS at http://127.0.0.1:$(PORT)  (API docs: /docs)"
	$(BIN)/pas serve

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest tests

test: lint typecheck imports unit

bench: $(STAMP)
	$(BIN)/python benchmarks/load_prices.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
