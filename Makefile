# Two set-up commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

## install, fetch the open data, build the store and run the main job
demo: $(BIN)/.installed
	$(BIN)/critmin data fetch
	$(BIN)/critmin data build
	$(BIN)/critmin demo

## lint and run the whole test suite
test: $(BIN)/.installed
	$(BIN)/ruff check src tests benchmarks reference
	$(BIN)/python -m pytest

bench: $(BIN)/.installed
	$(BIN)/python benchmarks/bench_foundation.py

clean:
	rm -rf $(VENV) .cache .pytest_cache .ruff_cache
