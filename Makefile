# Everything a fresh machine needs goes through these targets: `make demo` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false

.PHONY: install demo test lint lock bench bench-ranking services-stop clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	@if [ ! -x $(PY) ]; then \
	  python3 -m venv $(VENV) 2>/dev/null || { \
	    echo "python3 -m venv failed: installing python3-venv"; \
	    if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; \
	    else echo "install python3-venv (Debian/Ubuntu) and run make again"; exit 1; fi; \
	    rm -rf $(VENV); python3 -m venv $(VENV); }; \
	fi
	@test -x $(UV) || $(PY) -m pip install --quiet uv    # bootstrap uv with pip
	$(UV) pip sync --quiet --python $(PY) requirements.lock
	$(UV) pip install --quiet --python $(PY) --no-deps -e .
	@touch $@

demo: install
	$(VENV)/bin/lakoo demo

test: install
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest

lint: install
	$(VENV)/bin/ruff check commerce serving pipelines ranking tests bench
	$(VENV)/bin/lint-imports

# Re-pin after editing pyproject.toml: versions and hashes only, no index URLs.
lock:
	$(UV) pip compile pyproject.toml --extra dev --generate-hashes --no-emit-index-url \
	  --no-emit-find-links --python-version 3.11 -o requirements.lock

bench: install
	$(PY) -m bench.bench_auth
	$(PY) -m bench.bench_social
	$(PY) -m bench.bench_foryou
	$(PY) -m bench.bench_checkout
	$(PY) -m bench.bench_warehouse
	$(PY) -m bench.bench_analytics

bench-ranking: install
	$(PY) -m bench.bench_ranking_movielens
	$(PY) -m bench.bench_ranking_retrain
	$(PY) -m bench.bench_ranking_publish

services-stop:
	$(VENV)/bin/lakoo services stop

clean: services-stop
	rm -rf $(VENV) var
