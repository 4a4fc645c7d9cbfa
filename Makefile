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

.PHONY: run test lint typecheck unit install browser-deps clean help bench soak

help:
	@echo "make run   - install, create the SQLite database with demo data, serve on http://127.0.0.1:8000"
	@echo "make test  - install dev tools, run ruff, mypy and the whole test suite"
	@echo "make bench - benchmarks at 1M people; ratios against same-run baselines in bench/results"
	@echo "make soak  - 10 minutes of mixed traffic at a fixed rate, then \$$(SOAK_THEN) (long fuzzing)"

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

run: $(RUN_STAMP)
	@KYVS_DEMO=1 $(BIN)/kyvs db upgrade
	@KYVS_DEMO=1 $(BIN)/kyvs demo load
	@KYVS_DEMO=1 exec $(BIN)/kyvs serve --demo-banner --log-format text

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/pytest

bench: $(DEV_STAMP)
	$(BIN)/python bench/run.py

# `make soak SOAK_ARGS="--postgres"` for PostgreSQL + Redis with 2 workers, `--seconds 60` for a
# short run. Then the target named by SOAK_THEN, when some makefile defines it (the long
# Schemathesis fuzzing); SOAK_THEN= skips it. Fails if either failed, after running both.
SOAK_ARGS ?=
SOAK_THEN ?= fuzz-long
soak: $(DEV_STAMP)
	@status=0; $(BIN)/python bench/soak.py $(SOAK_ARGS) || status=$$?; \
	if [ -n "$(SOAK_THEN)" ] && grep -qE '^$(SOAK_THEN):' $(MAKEFILE_LIST); then \
		$(MAKE) -f $(firstword $(MAKEFILE_LIST)) $(SOAK_THEN) || status=$$?; \
	elif [ -n "$(SOAK_THEN)" ]; then \
		echo "no '$(SOAK_THEN)' target yet: the long fuzzing is skipped"; \
	fi; \
	exit $$status

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
