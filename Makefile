# Two set-up commands for a fresh machine: `make demo` and `make test`.
# The interpreter the venv is made from ([C]; PYTHON=... overrides): the system's
# /usr/bin/python3 when it is 3.11 or newer and can make a venv, else python3 on PATH.
# Debian's is one static binary built with profile-guided optimisation and LTO; pyenv's
# (python3 on PATH on this workplace's machines) calls a shared libpython built without.
# Same libraries, same results: on 2 cores Debian's 3.11 ran the whole suite in 0.80-0.91
# of pyenv's time (7 interleaved runs) and `critmin assess -i JPN` in 0.86 (median of 3).
# An existing .venv keeps its interpreter: `rm -rf .venv` (or `make clean`) to remake it.
PYTHON ?= $(shell /usr/bin/python3 -c 'import ensurepip, sys; \
  sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && echo /usr/bin/python3 || echo python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
# pytest keeps its assertion-rewritten test modules in tests/**/__pycache__ only where
# Python may write bytecode. With PYTHONDONTWRITEBYTECODE set (as on this workplace's
# machines), every worker of every run rewrote all ~100 of them again: collection alone
# took 5.5 s of CPU per worker against 3.8 s (medians, 3 interleaved runs). An empty
# value unsets it, for pytest alone.
PYTEST := PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest
# official releases imported by the demo when present (used in place, never copied)
SHARED ?= ../shared/data

.PHONY: demo test screens browser lint bench clean

# pip's own chatter goes to $(VENV)/install.log; its last lines are shown if it fails
$(BIN)/.installed: pyproject.toml
	@echo "installing critmin and its libraries into $(VENV) (log: $(VENV)/install.log)"
	@$(PYTHON) -m venv $(VENV)
	@{ $(BIN)/python -m pip install --quiet --upgrade pip && \
	   $(BIN)/python -m pip install --quiet -e '.[dev]'; } > $(VENV)/install.log 2>&1 || \
	  { tail -n 30 $(VENV)/install.log; exit 1; }
	@# bytecode for critmin's own modules (pip compiles those of the libraries; an
	@# editable install and PYTHONDONTWRITEBYTECODE leave ours to compile on every start)
	@$(BIN)/python -m compileall -q src
	@touch $@

## install, fetch the open data, build the store and run the main job (one screen of
## output: each step one line, the main job's table, the report's paths)
demo: $(BIN)/.installed
	@$(BIN)/critmin data fetch
	@$(BIN)/critmin data build
	@if [ -d "$(SHARED)/usgs_mcs2025" ]; then \
	  $(BIN)/critmin data import usgs-mcs "$(SHARED)/usgs_mcs2025"; fi
	@if [ -f "$(SHARED)/worldbank_wgi/wgidataset.xlsx" ]; then \
	  $(BIN)/critmin data import wgi "$(SHARED)/worldbank_wgi/wgidataset.xlsx"; fi
	@if [ -f "$(SHARED)/worldbank_pinksheet/CMO-Historical-Data-Monthly.xlsx" ]; then \
	  $(BIN)/critmin data import pinksheet \
	    "$(SHARED)/worldbank_pinksheet/CMO-Historical-Data-Monthly.xlsx"; fi
	@$(BIN)/critmin demo --format table
	@$(BIN)/critmin report --importer JPN --lang ja --levers example

## lint and run the whole test suite, on two processes (pytest-xdist; the session stores
## are built once, under a lock, and shared through .cache/stores); CRITMIN_TEST_WORKERS=0
## runs it in one
test: $(BIN)/.installed browser
	$(BIN)/ruff check src tests benchmarks reference
	$(PYTEST) -n $${CRITMIN_TEST_WORKERS:-2}

## the browser tests again, keeping full-page screenshots of every web page and of the
## report in both languages in .cache/screens (to look at; the suite takes none)
screens: $(BIN)/.installed browser
	CRITMIN_SCREENS=$(CURDIR)/.cache/screens $(PYTEST) -q \
	  tests/views/test_web_browser.py tests/views/test_report.py -k "browser or radar_drawn"
	@echo "screenshots: .cache/screens"

## Debian's Chromium and CJK fonts: headless report checks and PNG/SVG charts
browser:
	@if command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "noto sans cjk"; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  apt-get install -y -q chromium fonts-noto-cjk >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null && apt-get install -y -q chromium fonts-noto-cjk >/dev/null; }; \
	else echo "note: install Debian's chromium and fonts-noto-cjk; the browser tests skip without them"; fi

bench: $(BIN)/.installed
	$(BIN)/python benchmarks/bench_foundation.py
	$(BIN)/python benchmarks/bench_assess.py

clean:
	rm -rf $(VENV) .cache .pytest_cache .ruff_cache
