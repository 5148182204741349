# CONTEST Hub — `make run` serves the product with demo data; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
PYTEST_ARGS ?=

.PHONY: run serve worker test lint fmt typecheck layers pytest pytest-postgres chromium spectral bench wrk clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "CONTEST Hub needs Python 3.11 or newer"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

## run: install, migrate the SQLite database, load demo data, serve on http://127.0.0.1:8000 with the feed worker
run: $(STAMP)
	@mkdir -p var
	$(BIN)/contest-hub worker & WORKER=$$!; trap 'kill $$WORKER 2>/dev/null; wait $$WORKER' EXIT; \
	  $(BIN)/contest-hub serve --demo --host 127.0.0.1 --port 8000

## test: ruff, mypy, the import contracts, pytest on SQLite (browser tests included) and, with TEST_DATABASE_URL, on PostgreSQL
test: $(STAMP) chromium spectral lint typecheck layers pytest pytest-postgres

lint: $(STAMP)
	$(BIN)/ruff check app tests bench migrations
	$(BIN)/ruff format --check app tests bench migrations

fmt: $(STAMP)
	$(BIN)/ruff check --fix app tests bench migrations
	$(BIN)/ruff format app tests bench migrations

typecheck: $(STAMP)
	$(BIN)/mypy

## layers: the import contracts in pyproject.toml [tool.importlinter] (see docs/architecture.md)
layers: $(STAMP)
	$(BIN)/lint-imports --no-cache

pytest: $(STAMP) chromium spectral
	CONTEST_REQUIRE_SPECTRAL=1 $(BIN)/pytest $(PYTEST_ARGS)

pytest-postgres: $(STAMP)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== PostgreSQL: $$TEST_DATABASE_URL"; \
	  CONTEST_TEST_BACKEND=postgres $(BIN)/pytest -m "not browser" $(PYTEST_ARGS); \
	else \
	  echo "== TEST_DATABASE_URL is not set: PostgreSQL tests not run (CI sets it)"; \
	fi

## chromium: browser tests drive Debian's Chromium; install it when missing and possible, else say how
chromium:
	@if [ -x /usr/bin/chromium ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
	  echo "The browser tests need Debian's Chromium at /usr/bin/chromium: run 'sudo apt-get install -y chromium'"; \
	  exit 1; \
	fi

## spectral: Stoplight Spectral lints the OpenAPI document (tests/api/test_openapi_document.py); npm installs it
## into tests/tools (the version pinned in tests/tools/package.json) when it is missing
spectral:
	@if [ -x tests/tools/node_modules/.bin/spectral ]; then exit 0; fi; \
	if ! command -v npm >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's npm for the OpenAPI lint"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; \
	  else \
	    echo "The OpenAPI lint needs Node.js and npm: run 'sudo apt-get install -y npm'"; \
	    exit 1; \
	  fi; \
	fi; \
	echo "Installing Spectral into tests/tools for the OpenAPI lint"; \
	npm install --prefix tests/tools --no-audit --no-fund --loglevel=error

## bench: reads and pages against a bare FastAPI app with wrk (SQLite, and PostgreSQL when TEST_DATABASE_URL is set)
bench: $(STAMP) wrk
	$(BIN)/python bench/bench_reads.py
	@if [ -n "$$TEST_DATABASE_URL" ]; then $(BIN)/python bench/bench_reads.py --database-url "$$TEST_DATABASE_URL"; fi
	$(BIN)/python bench/bench_sites_near.py

wrk:
	@if command -v wrk >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing Debian's wrk for the benchmarks"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	else \
	  echo "The benchmarks need wrk: run 'sudo apt-get install -y wrk'"; \
	  exit 1; \
	fi

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache
