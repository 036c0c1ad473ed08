# `make run` and `make test` do all set-up on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
PORT ?= $(or $(PAS_SERVER__PORT),8000)

.PHONY: lock lock-upgrade audit run test install lint typecheck imports unit bench clean dashboard dashboard-if-node api-client frontend-test e2e chromium

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# the locked versions (make lock): every install uses them, so CI runs what was tested
CONSTRAINTS := deploy/constraints.txt
LOCK := deploy/requirements.lock
LOCK_TARGET := --python-version 3.11 --python-platform linux --no-header

# the service alone: no test tools, no peer libraries (a quicker first `make run`)
$(RUN_STAMP): pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e .
	touch $(RUN_STAMP)

# everything the tests need: dev tools and the peer libraries used as oracles
$(TEST_STAMP): pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e '.[dev,peers]'
	touch $(TEST_STAMP) $(RUN_STAMP)

install: $(TEST_STAMP)

run: $(RUN_STAMP) dashboard-if-node
	$(BIN)/pas init-db
	$(BIN)/pas data load-demo
	$(BIN)/pas strategies demo
	$(BIN)/pas evaluate --update
	$(BIN)/pas keys demo
	@echo "PAS at http://127.0.0.1:$(PORT)  (dashboard: /dashboard, API docs: /docs)"
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

# the dashboard is built before pytest, which checks that the wheel ships it
test: lint typecheck imports dashboard unit frontend-test e2e

# constraints.txt: pins of everything (runtime, dev, peers) for `pip install -c` (pip refuses
# hashes there); requirements.lock: the runtime's share of the same pins, with hashes, for the image.
# `make lock` keeps the current pins that still satisfy pyproject.toml; `make lock-upgrade` moves all.
lock: | $(BIN)/python
	test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra peers $(LOCK_TARGET) $(UPGRADE) -o $(CONSTRAINTS)
	$(BIN)/uv pip compile pyproject.toml --generate-hashes -c $(CONSTRAINTS) $(LOCK_TARGET) -o $(LOCK)

lock-upgrade:
	$(MAKE) --no-print-directory lock UPGRADE=--upgrade

# known vulnerabilities of the locked runtime (asks the PyPI vulnerability service; fails when
# any package cannot be checked instead of skipping it)
audit: $(TEST_STAMP)
	$(BIN)/pip-audit --strict --require-hashes --disable-pip --progress-spinner off -r $(LOCK)

bench: $(TEST_STAMP)
	$(BIN)/python benchmarks/load_prices.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache $(FRONTEND)/node_modules $(FRONTEND)/test-results src/pas/service/static

# --- the dashboard (frontend/, served at /dashboard) and the offline /docs ---
FRONTEND := frontend
NODE_STAMP := $(FRONTEND)/node_modules/.installed
DASHBOARD_BUILD := src/pas/service/static/dashboard/index.html
FRONTEND_SOURCES := $(shell find $(FRONTEND)/src $(FRONTEND)/public $(FRONTEND)/docs-page $(FRONTEND)/scripts -type f 2>/dev/null) \
	$(FRONTEND)/index.html $(FRONTEND)/vite.config.ts $(FRONTEND)/tsconfig.app.json $(FRONTEND)/package-lock.json
# Vite 8 needs Node 20.19+ (or 22.12+)
NODE_OK := $(shell node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)||(a===20&&b>=19)||a===21?0:1)' 2>/dev/null && echo yes)
NO_NODE_MESSAGE := Node.js 20.19+ and npm are needed to build the dashboard (found: $(shell node -v 2>/dev/null || echo none))

$(NODE_STAMP): $(FRONTEND)/package-lock.json
	cd $(FRONTEND) && npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

$(DASHBOARD_BUILD): $(NODE_STAMP) $(FRONTEND_SOURCES)
	cd $(FRONTEND) && npm run build

dashboard:
	@test -n "$(NODE_OK)" || { echo "$(NO_NODE_MESSAGE)"; exit 1; }
	@$(MAKE) --no-print-directory $(DASHBOARD_BUILD)

# `make run` serves the API without the dashboard when Node is missing, and says so
dashboard-if-node:
	@if [ -n "$(NODE_OK)" ]; then $(MAKE) --no-print-directory $(DASHBOARD_BUILD) \
	|| echo "WARNING: the dashboard build failed (above): serving the API without it."; \
	else echo "WARNING: $(NO_NODE_MESSAGE): /dashboard and /docs will say they are not built."; \
	echo "         Install Node 20.19+ (your package manager or the Node.js site), then run make run again."; fi

# the typed client: openapi.json from the app, then src/shared/api/schema.d.ts from it
api-client: $(RUN_STAMP) $(NODE_STAMP)
	$(BIN)/python -m pas.service.openapi_export > $(FRONTEND)/openapi.json
	cd $(FRONTEND) && npm run api:generate

frontend-test: $(NODE_STAMP)
	@test -n "$(NODE_OK)" || { echo "$(NO_NODE_MESSAGE)"; exit 1; }
	cd $(FRONTEND) && node scripts/generate-api.mjs --check && npm run lint && npm run typecheck && npm test

chromium:
	@command -v chromium >/dev/null || { echo "installing Debian's chromium for the end-to-end tests"; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

e2e: $(RUN_STAMP) dashboard chromium
	cd $(FRONTEND) && npm run e2e
