# Tree Point O — the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test lint fmt bench bench-quick bench-citizens bench-citizens-quick bench-requests bench-requests-quick bench-editing bench-permits bootstrap system system-test venv web clean help

help:
	@echo "make run    - install what is missing, start PostGIS under var/, serve http://$(HOST):$(PORT)"
	@echo "make test   - the same bootstrap, then the whole test suite on a throwaway cluster"
	@echo "make lint   - ruff, ruff format --check, mypy, import-linter, module sizes (<= 400 lines)"
	@echo "make bench  - benchmarks (prints tables)"
	@echo "make bench-quick - the benchmarks on small data (harness check: 2 repeats, 1 s per URL)"
	@echo "make bench-citizens - only the citizens benchmark (trips, schools, search; issue #5)"
	@echo "make bench-requests - only the requests benchmark (1M requests: submit, track; issue #12)"
	@echo "make bench-permits - the permit pre-check: HTTP p95 beside the SQL floor (issue #15)"

run: bootstrap
	$(BIN)/tpo serve --host $(HOST) --port $(PORT)

test: bootstrap system-test
	@scripts/run-tests $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python scripts/check-module-size

fmt: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: bootstrap
	$(BIN)/python -m bench
	$(BIN)/python -m bench citizens
	$(BIN)/python -m bench requests

bench-quick: bootstrap
	$(BIN)/python -m bench --quick
	$(BIN)/python -m bench citizens --quick
	$(BIN)/python -m bench requests --quick

bench-citizens: bootstrap
	$(BIN)/python -m bench citizens

bench-citizens-quick: bootstrap
	$(BIN)/python -m bench citizens --quick

bench-requests: bootstrap
	$(BIN)/python -m bench requests

bench-requests-quick: bootstrap
	$(BIN)/python -m bench requests --quick

bench-editing: bootstrap
	$(BIN)/python -m bench.editing.versions

bench-permits: bootstrap
	$(BIN)/python -m bench.permits

bootstrap: system venv web

# Debian packages: PostgreSQL 15 + PostGIS (for run and test), chromium (for browser tests)
system:
	@scripts/bootstrap-system postgis

system-test:
	@scripts/bootstrap-system chromium

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $@

web: web/node_modules/.package-lock.json

web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

clean:
	-$(BIN)/tpo db down
	rm -rf var/test-artifacts .pytest_cache .mypy_cache .ruff_cache
