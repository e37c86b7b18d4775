# The project's commands. Every target bootstraps what it needs (idempotent):
# a private uv (pinned, installed with pip) and the .venv synced from uv.lock.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .uv/bin/uv
BIN := .venv/bin
export DAGSTER_HOME ?= $(CURDIR)/.dagster
UI_PORT ?= 3000
# pytest-xdist processes for `make test` (the suite is CPU-bound: one per core here);
# `--dist loadfile` runs each test file on one worker, in order (the README's examples
# share one lake and ledger and run in README order); `--no-loadscope-reorder` hands the
# files out in collection order, which tests/conftest.py starts with the longest files
# (xdist's default order, most tests first, left a 70 s one-test file for the end)
TEST_WORKERS ?= 2
export PYTHONPATH := $(CURDIR)$(if $(PYTHONPATH),:$(PYTHONPATH))

.PHONY: help install install-bench demo shell test ui ui-check live lab bench lint format dagster-home clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv .uv
	.uv/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

install: $(UV)  ## Create/refresh .venv from uv.lock (runtime + dev tools)
	$(UV) sync --frozen --inexact --quiet

install-bench: $(UV)  ## Also install the benchmark peers (pandas, vectorbt, backtrader)
	$(UV) sync --frozen --inexact --quiet --all-groups

dagster-home: install  ## $DAGSTER_HOME/dagster.yaml: telemetry off, quant logs in run logs, Postgres if QUANT_DAGSTER_PG_URL
	@$(BIN)/python -m assets.dagster_home

demo: install dagster-home  ## Run the whole pipeline on the shipped samples
	$(BIN)/python -m assets.demo
	@echo "the quant command is $(BIN)/quant: try '$(BIN)/quant data list'," \
		"or 'make shell' (or 'source $(BIN)/activate') to have 'quant' on PATH"

shell: install  ## A sub-shell with .venv active: `quant` on PATH (exit to leave)
	@echo "quant is on PATH in this shell; type exit to leave"
	@exec env VIRTUAL_ENV=$(CURDIR)/.venv PATH=$(CURDIR)/.venv/bin:$$PATH $${SHELL:-bash} -i

test: install dagster-home  ## Run the whole test suite
	@echo "make test: the postgres, dask and s3 tests start their own servers on loopback;" \
		"if one cannot start they are skipped and the summary below says why"
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

bench: install-bench  ## Benchmarks against named peers (prints medians and ratios)
	$(BIN)/pytest tests/bench -q -s -o addopts="" -o python_files="bench_*.py" -p no:cacheprovider

lint: install  ## ruff lint + format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install  ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

ui: install dagster-home  ## Dagster webserver + daemon on 127.0.0.1:3000 (Ctrl-C / SIGTERM stop it)
	exec env --default-signal=INT,TERM $(BIN)/dg dev -h 127.0.0.1 -p $(UI_PORT) -w workspace.yaml

ui-check: install dagster-home  ## Webserver + a backtest run, checked in headless Chromium (screenshots in .dagster/ui-check)
	UI_CHECK_SHOTS=$(DAGSTER_HOME)/ui-check $(BIN)/pytest tests/assets/test_ui_check.py -q -rs -p no:cacheprovider
	@echo "screenshots: $(DAGSTER_HOME)/ui-check"

# The live sensor replays the lake's bars_1d (ORCL, sma_crossover; QUANT_LIVE_STRATEGY,
# QUANT_LIVE_SYMBOLS, QUANT_LIVE_PARAMS change that; fast 3 / slow 8 so orders come early)
# one bar per run into the ledger.
QUANT_LIVE_PARAMS ?= {"fast":3,"slow":8}
QUANT_LIVE_INTERVAL ?= 5
live: install dagster-home  ## Dagster UI with the live sensor ON, replaying bars_1d (runs demo if needed)
	@test -d $${QUANT_LAKE:-data/lake}/bars_1d || $(MAKE) demo
	exec env --default-signal=INT,TERM QUANT_LIVE_SENSOR=RUNNING \
		QUANT_LIVE_INTERVAL='$(QUANT_LIVE_INTERVAL)' QUANT_LIVE_PARAMS='$(QUANT_LIVE_PARAMS)' \
		$(BIN)/dg dev -h 127.0.0.1 -p $(UI_PORT) -w workspace.yaml

lab: install  ## JupyterLab with the project's venv as the "quant" kernel
	$(BIN)/python -m ipykernel install --sys-prefix --name quant --display-name "quant (project .venv)" >/dev/null
	$(BIN)/jupyter lab --ip=127.0.0.1 --no-browser --notebook-dir=notebooks \
		$(if $(filter 0,$(shell id -u)),--allow-root)

clean:  ## Remove the venvs, the local lake, logs and the Dagster home
	rm -rf .venv .uv .dagster data/lake data/ledger data/logs
