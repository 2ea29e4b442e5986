# IVMT Clinic — two commands on a fresh Debian machine with Python 3.11:
#   make run    install everything, load the demo clinic, serve http://127.0.0.1:8000
#   make test   install everything (Chromium too), lint, type-check, run the whole suite
#               on SQLite and, when a PostgreSQL server answers on 127.0.0.1:5432, on it too.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON_PREFERENCE := only-system

TOOLS := .tools
UV := $(shell command -v uv 2>/dev/null || echo $(TOOLS)/bin/uv)
PG_HOST ?= 127.0.0.1
PG_PORT ?= 5432
PG_USER ?= postgres
PYTEST_ARGS ?=

.PHONY: run test install system-packages lint typecheck pytest test-sqlite test-postgres clean

run: install
	$(UV) run ivmt demo
	$(UV) run ivmt serve --host 127.0.0.1 --port 8000

# uv itself comes from PyPI into a private venv when the machine does not have it.
$(TOOLS)/bin/uv:
	@python3 -m venv --help >/dev/null 2>&1 || $(MAKE) -s system-packages DEB="python3-venv"
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv

install: $(if $(shell command -v uv 2>/dev/null),,$(TOOLS)/bin/uv)
	$(UV) sync --frozen

# Debian packages the tests need: Chromium for the browser journeys, poppler for PDFs,
# the PostgreSQL client for backup round trips.
DEB ?= chromium poppler-utils postgresql-client
system-packages:
	@missing=""; for p in $(DEB); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

lint: install
	$(UV) run ruff check src tests bench
	$(UV) run ruff format --check src tests bench

typecheck: install
	$(UV) run mypy src

pytest: install system-packages
	$(UV) run pytest -q -p no:randomly $(PYTEST_ARGS)

# With DATABASE_URL set, test that database only; otherwise SQLite, then PostgreSQL if up.
test: lint typecheck system-packages
ifdef DATABASE_URL
	$(MAKE) -s pytest
else
	$(MAKE) -s test-sqlite
	$(MAKE) -s test-postgres
endif

test-sqlite: install system-packages
	@echo "== test suite on SQLite =="
	DATABASE_URL="sqlite:///$(CURDIR)/var/test.sqlite3" $(MAKE) -s pytest

test-postgres: install system-packages
	@if pg_isready -q -h $(PG_HOST) -p $(PG_PORT) 2>/dev/null; then \
	  db="ivmt_make_$$$$"; \
	  echo "== test suite on PostgreSQL ($(PG_HOST):$(PG_PORT), database $$db) =="; \
	  psql -q -h $(PG_HOST) -p $(PG_PORT) -U $(PG_USER) -d postgres -c "CREATE DATABASE $$db"; \
	  trap 'psql -q -h $(PG_HOST) -p $(PG_PORT) -U $(PG_USER) -d postgres -c "DROP DATABASE IF EXISTS $$db WITH (FORCE)"; psql -q -h $(PG_HOST) -p $(PG_PORT) -U $(PG_USER) -d postgres -c "DROP DATABASE IF EXISTS test_$$db WITH (FORCE)"' EXIT; \
	  DATABASE_URL="postgres://$(PG_USER)@$(PG_HOST):$(PG_PORT)/$$db" $(MAKE) -s pytest; \
	else \
	  echo "== PostgreSQL leg SKIPPED: no server answers on $(PG_HOST):$(PG_PORT) (see README) =="; \
	fi

clean:
	rm -rf .venv $(TOOLS) var/test.sqlite3 .pytest_cache .mypy_cache .ruff_cache
