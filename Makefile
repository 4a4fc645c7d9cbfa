# kyvs: `make run` serves the demo, `make test` runs every check. Both install what they need.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
# pip prints a warning per package for index folders this machine's pip config names but lacks.
PIP_QUIET := grep -v "is ignored: it is neither a file nor a directory" || true
# The browser tests drive Debian's Chromium (Playwright cannot download its own browser here),
# with Noto fonts and FriBiDi so that Indic text is shaped as people will see it.
BROWSER_PACKAGES := chromium fonts-noto-core libfribidi0
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test test-long test-fast lint typecheck unit install browser-deps clean help bench bench-deps fuzz-long audit soak

help:
	@echo "make run   - install, create the SQLite database with demo data, serve on http://127.0.0.1:8000"
	@echo "make test  - install dev tools, run ruff, mypy and the whole test suite (all cores)"
	@echo "make test-long - the whole suite with every budget raised ten times (long)"
	@echo "make test-fast - the unit and contract tests only (under a minute)"
	@echo "make bench - benchmarks at 1M people; ratios against same-run baselines in bench/results"
	@echo "make soak  - 10 minutes of mixed traffic at a fixed rate, then the long API fuzzing"
	@echo "make fuzz-long - Schemathesis over the API, $(FUZZ_EXAMPLES) inputs per operation (minutes)"
	@echo "make audit - known vulnerabilities in the installed dependencies (needs PyPI; run by CI)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "kyvs needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip 2>&1 | $(PIP_QUIET)

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e . 2>&1 | $(PIP_QUIET)
	@touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python browser-deps
	$(BIN)/python -m pip install -q -e '.[dev]' 2>&1 | $(PIP_QUIET)
	@touch $@ $(RUN_STAMP)

# Best effort, never failing the build: only as root, with apt-get, when Chromium is missing.
# Without it the browser tests skip (and fail under KYVS_REQUIRE_SERVICES=1, as in .ci/run).
browser-deps:
	@if [ ! -x $(CHROMIUM) ] && command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		{ apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $(BROWSER_PACKAGES); } \
			|| echo "Could not install $(BROWSER_PACKAGES); the browser tests will be skipped."; \
	fi

install: $(RUN_STAMP)

# `kyvs demo init` writes var/kyvs.env once (KYVS_DEMO=1 and a generated secret); the server and
# every later `.venv/bin/kyvs ...` command in this checkout read it, so nothing needs exporting.
run: $(RUN_STAMP)
	@$(BIN)/kyvs demo init
	@$(BIN)/kyvs db upgrade
	@$(BIN)/kyvs demo load
	@exec $(BIN)/kyvs serve --demo-banner --log-format text

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

# The suite runs on every core (pytest-xdist), a test module per worker so that its servers and
# browsers start once; each worker has its own PostgreSQL schemas and Redis database.
TEST_WORKERS ?= auto
PYTEST_PARALLEL := -n $(TEST_WORKERS) --dist loadfile
test: lint typecheck
	$(BIN)/pytest $(PYTEST_PARALLEL)

# The whole suite with every budget raised (KYVS_TEST_EFFORT): ten times the property-test
# examples and fuzzer inputs, and the browser cases that repeat a path in one more language.
TEST_LONG_EFFORT ?= 10
test-long: $(DEV_STAMP)
	KYVS_TEST_EFFORT=$(TEST_LONG_EFFORT) $(BIN)/pytest $(PYTEST_PARALLEL)

# The unit tests and the adapters' contract tests, for the inner loop (under a minute).
FAST_TESTS := tests/unit $(wildcard tests/integration/test_*_contract.py)
test-fast: $(DEV_STAMP)
	$(BIN)/pytest $(PYTEST_PARALLEL) -q $(FAST_TESTS)

# Known vulnerabilities in the installed dependencies (PyPI's advisories, through pip-audit; kyvs
# itself, installed editable, is skipped): fails on any known vulnerability. Dependencies the
# service cannot answer for are listed with a warning (KYVS_AUDIT_STRICT=1 fails on them too).
# Not part of `make test`: it needs the network. When a fix exists, raise the pin in
# pyproject.toml; when none does, add `--ignore-vuln ID` to AUDIT_IGNORES with a comment saying
# why kyvs is not exposed.
AUDIT_IGNORES :=
audit: $(DEV_STAMP)
	$(BIN)/python .ci/audit.py $(AUDIT_IGNORES)

BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): pyproject.toml $(DEV_STAMP)
	$(BIN)/python -m pip install -q -e '.[dev,bench]' 2>&1 | $(PIP_QUIET)
	@touch $@

# wrk (Debian's compiled HTTP load generator) drives /healthz and the bare FastAPI app for the CPU
# figures; best effort, like browser-deps: without it those figures are skipped with a message.
bench-deps:
	@if ! command -v wrk >/dev/null && command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		{ apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk; } \
			|| echo "Could not install wrk; the CPU-per-request figures will be skipped."; \
	fi
	@command -v wrk >/dev/null || echo "wrk is not installed (apt-get install wrk): no CPU-per-request figures."

bench: $(BENCH_STAMP) bench-deps
	$(BIN)/python bench/run.py

# The API fuzzer of `make test`, longer: inputs per operation and stateful scenarios.
FUZZ_EXAMPLES ?= 1000
FUZZ_SCENARIOS ?= 1000
fuzz-long: $(DEV_STAMP)
	KYVS_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) KYVS_FUZZ_SCENARIOS=$(FUZZ_SCENARIOS) \
		$(BIN)/pytest -q -p no:cacheprovider tests/e2e/test_api_fuzz.py

# `make soak SOAK_ARGS="--postgres"` for PostgreSQL + Redis with 2 workers, `--seconds 60` for a
# short run. Then the target named by SOAK_THEN (default: `fuzz-long`, the long
# Schemathesis fuzzing); SOAK_THEN= skips it. Fails if either failed, after running both.
SOAK_ARGS ?=
SOAK_THEN ?= fuzz-long
soak: $(BENCH_STAMP)
	@status=0; $(BIN)/python bench/soak.py $(SOAK_ARGS) || status=$$?; \
	if [ -n "$(SOAK_THEN)" ]; then $(MAKE) --no-print-directory $(SOAK_THEN) || status=$$?; fi; \
	exit $$status

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
