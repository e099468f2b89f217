# GovFlow — two commands: `make run` (set up and serve the demo) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run setup test test-sqlite test-postgres bench bench-quick clean

$(BIN)/activate: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(BIN)/activate

setup: $(BIN)/activate

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

clean:
	rm -rf $(VENV) instance
