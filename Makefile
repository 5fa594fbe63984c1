# Everything a user or CI needs, from a fresh clone: make build, make test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.test-installed

.PHONY: build serve check test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	$(BIN)/python -m compileall -q digest  # as pip does for a package it installs
	touch $@

$(TEST_STAMP): $(STAMP) pyproject.toml $(wildcard package.json)
	$(BIN)/pip install --quiet -e '.[test]'
	if [ -f package.json ]; then npm ci --no-audit --no-fund --ignore-scripts; fi
	touch $@

build: $(STAMP)  ## Build content/ into _site/
	$(BIN)/digest build

serve: $(STAMP)  ## Preview with live reload on http://127.0.0.1:8000/
	$(BIN)/digest serve

check: $(STAMP)  ## Report every content problem; write nothing
	$(BIN)/digest check

test: $(TEST_STAMP)  ## Run the whole test suite
	$(BIN)/ruff check digest tests
	$(BIN)/python -m pytest

bench: $(TEST_STAMP)  ## Time digest against Hugo (BENCH="--large" adds 100k), then serve latency
	$(BIN)/python bench/run.py $(BENCH)
	$(BIN)/python bench/serve_latency.py
	$(BIN)/python bench/stories.py

lint: $(TEST_STAMP)
	$(BIN)/ruff check digest tests

clean:
	rm -rf _site .digest-tmp-_site .digest-cache .pytest_cache
