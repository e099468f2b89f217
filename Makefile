# GovFlow — two commands: `make run` (set up and serve the demo) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run setup system-packages test test-sqlite test-postgres bench bench-quick soak clean

$(BIN)/activate: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(BIN)/activate

ASSETS := govflow/static/dist/bpmn-viewer.js govflow/static/dist/designer.js

setup: system-packages $(BIN)/activate $(ASSETS)

# CI runs as root: Debian's Chromium and CJK fonts for the browser tests (tests/web),
# Node.js for the front-end assets. Elsewhere the browser tests skip without Chromium.
system-packages:
	@if [ "$$CI" = true ] && [ "$$(id -u)" = 0 ] && \
	    { ! command -v chromium >/dev/null || ! command -v npm >/dev/null || [ ! -d /usr/share/fonts/opentype/noto ]; }; then \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk $$(command -v npm >/dev/null || echo nodejs npm); \
	fi

# bpmn-js's viewer and the designer's modeler (bundled by esbuild) in govflow/static/dist (git-ignored).
$(ASSETS) &: package.json package-lock.json scripts/build_assets.mjs $(wildcard scripts/designer/*)
	npm ci --no-audit --no-fund --loglevel=error
	npm run --silent build

run: setup
	$(FLASK) db upgrade
	$(FLASK) deploy
	$(FLASK) demo
	HOST=$(HOST) PORT=$(PORT) BIN=$(BIN) ./scripts/serve.sh

test: setup
	$(BIN)/python -m pytest
	@if [ -n "$$TEST_PG_URL" ]; then \
	  echo "== the same suite on PostgreSQL =="; \
	  TEST_DATABASE_URL="$$TEST_PG_URL" $(BIN)/python -m pytest; \
	fi

# Benchmarks (docs/PERFORMANCE.md): PostgreSQL figures need the local server
# (scripts/test-postgres.sh starts it) or BENCH_PG_URL.
bench: setup
	$(BIN)/pip install --quiet -r requirements-bench.txt
	@[ -n "$$BENCH_PG_URL" ] || pg_isready -q -h 127.0.0.1 || ./scripts/test-postgres.sh >/dev/null || true
	$(BIN)/python -m benchmarks

bench-quick: setup
	$(BIN)/pip install --quiet -r requirements-bench.txt
	@[ -n "$$BENCH_PG_URL" ] || pg_isready -q -h 127.0.0.1 || ./scripts/test-postgres.sh >/dev/null || true
	$(BIN)/python -m benchmarks --quick

# Soak (docs/RELIABILITY.md): 64 API clients for 2 minutes against gunicorn with two
# workers; a scratch SQLite database unless SOAK_DATABASE_URL names one.
soak: setup
	mkdir -p instance
	$(BIN)/python scripts/soak.py --clients 64 --seconds 120 --json instance/soak-report.json

clean:
	rm -rf $(VENV) instance node_modules govflow/static/dist
