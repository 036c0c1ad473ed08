# `make run` and `make test` do all set-up on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
PORT ?= $(or $(PAS_SERVER__PORT),8000)

.PHONY: run test install lint typecheck imports unit bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# the service alone: no test tools, no peer libraries (a quicker first `make run`)
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUN_STAMP)

# everything the tests need: dev tools and the peer libraries used as oracles
$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,peers]'
	touch $(TEST_STAMP) $(RUN_STAMP)

install: $(TEST_STAMP)

run: $(RUN_STAMP)
	$(BIN)/pas init-db
	$(BIN)/pas data load-demo
	$(BIN)/pas strategies demo
	$(BIN)/pas evaluate --update
	$(BIN)/pas keys demo
	@echo "PAS at http://127.0.0.1:$(PORT)  (API docs: /docs)"
	$(BIN)/pas serve $(if $(filter command line environment,$(origin PORT)),--port $(PORT))

lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(TEST_STAMP)
	$(BIN)/mypy

imports: $(TEST_STAMP)
	$(BIN)/lint-imports

unit: $(TEST_STAMP)
	$(BIN)/pytest tests

test: lint typecheck imports unit

bench: $(TEST_STAMP)
	$(BIN)/python benchmarks/load_prices.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
