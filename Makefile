# Portfolio: `make run` starts the demo, `make test` runs the whole suite.
# Both set everything up themselves (virtual environment, packages, DSFR assets, browser).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2
DSFR_DIST := node_modules/@gouvfr/dsfr/dist
STATIC_DSFR := portfolio/static/dsfr
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432
export FLASK_APP := wsgi

.PHONY: run test test-postgres test-all bench install assets browser pgclient office pdftools db demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed

# The DSFR comes from its npm package at the version pinned in package.json; we serve
# only what the pages use from its dist/ (styles, scripts, fonts, icons, favicons).
$(STATIC_DSFR)/.copied: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	rm -rf $(STATIC_DSFR) && mkdir -p $(STATIC_DSFR)/utility/icons
	cp $(DSFR_DIST)/dsfr.min.css $(DSFR_DIST)/dsfr.module.min.js $(DSFR_DIST)/dsfr.nomodule.min.js $(STATIC_DSFR)/
	cp -r $(DSFR_DIST)/fonts $(DSFR_DIST)/icons $(DSFR_DIST)/favicon $(STATIC_DSFR)/
	cp $(DSFR_DIST)/utility/icons/icons.min.css $(STATIC_DSFR)/utility/icons/
	touch $@

assets: $(STATIC_DSFR)/.copied

# Debian's Chromium drives the browser tests; no test tool downloads a browser.
browser:
	@command -v chromium >/dev/null || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium; }

# pg_dump and pg_restore, for `flask backup`/`flask restore` on PostgreSQL (and their tests).
pgclient:
	@command -v pg_dump >/dev/null && command -v pg_restore >/dev/null || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq postgresql-client; }

# Poppler's pdftotext reads the committee's pack as a reader's tools would (the pack's browser journey).
pdftools:
	@command -v pdftotext >/dev/null || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq poppler-utils; }

# LibreOffice (headless Calc) checks that every CSV export opens with its accents and codes intact.
office:
	@command -v soffice >/dev/null || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq libreoffice-calc-nogui; }

db: install
	$(BIN)/flask db upgrade

demo: db
	$(BIN)/flask demo load

# The links in e-mails and calendars follow where `make run` listens (PUBLIC_URL=… overrides it).
run: export PUBLIC_URL ?= http://$(HOST):$(PORT)
run: install assets demo
	@echo
	@echo "Portfolio démarre sur http://$(HOST):$(PORT)/ (Ctrl-C pour arrêter)."
	@echo "Comptes de démonstration :"
	@$(BIN)/flask demo logins
	@echo
	@trap 'kill 0' INT TERM EXIT; \
	  $(BIN)/flask scheduler run & \
	  $(BIN)/gunicorn --bind $(HOST):$(PORT) --workers $(WORKERS) --access-logfile - wsgi:app

test: install assets browser office pdftools
	$(BIN)/pytest $(PYTEST_ARGS)

# The same suite against PostgreSQL, in a database created for this run and dropped after.
test-postgres: install assets browser pgclient office pdftools
	@db=portfolio_test_$$$$; \
	  psql "postgresql://postgres@127.0.0.1:5432/test" -qc "CREATE DATABASE $$db" && \
	  TEST_DATABASE_URL=$(PG_URL)/$$db $(BIN)/pytest $(PYTEST_ARGS); status=$$?; \
	  psql "postgresql://postgres@127.0.0.1:5432/test" -qc "DROP DATABASE IF EXISTS $$db WITH (FORCE)"; \
	  exit $$status

test-all: test test-postgres

# The benchmark suite (issue "Scale"): a 10x portfolio under gunicorn, measured with wrk.
bench: install assets
	@command -v wrk >/dev/null || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq wrk; }
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules $(STATIC_DSFR) .pytest_cache
