# riskdesk — the two commands a new user needs are `make demo` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTHON312 := $(shell for p in python3.12 $$HOME/.pyenv/versions/3.12*/bin/python3.12 /usr/local/bin/python3.12 /usr/bin/python3.12; do "$$p" -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1 && { echo "$$p"; break; }; done)
POSTGRES_URL ?= $(or $(RISKDESK_TEST_POSTGRES_URL),postgresql://postgres@127.0.0.1:5432/postgres)
PYTEST_ARGS ?=

.PHONY: install demo test lint typecheck migrations-check test-sqlite test-postgres assets messages bench clean

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON312)" ]; then \
	  echo "riskdesk 需要 Python 3.12 / riskdesk needs Python 3.12 (python3.12 not found on PATH)."; \
	  echo "Install it (e.g. 'apt-get install python3.12' or pyenv) and run make again."; exit 1; fi
	@[ -x $(PY) ] || $(PYTHON312) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: install
	RISKDESK_DEMO=1 $(VENV)/bin/riskdesk demo

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy riskdesk/engine

migrations-check: install
	RISKDESK_TESTING=1 $(PY) manage.py makemigrations --check --dry-run

test-sqlite: install
	$(VENV)/bin/pytest -q $(PYTEST_ARGS)

# The database-backed tests again on PostgreSQL, when a server answers (CI always has one).
test-postgres: install
	@if $(PY) -c "import socket,sys,urllib.parse as u; p=u.urlparse('$(POSTGRES_URL)'); socket.create_connection((p.hostname or '127.0.0.1', p.port or 5432), 1)" 2>/dev/null; then \
	  echo "--- PostgreSQL run: $(POSTGRES_URL)"; \
	  RISKDESK_DATABASE_URL='$(POSTGRES_URL)' $(VENV)/bin/pytest -q -m "not browser" \
	    --ignore=tests/engine --ignore=tests/dossier $(PYTEST_ARGS); \
	elif [ "$$RISKDESK_REQUIRE_SERVICES" = "1" ]; then \
	  echo "PostgreSQL required (RISKDESK_REQUIRE_SERVICES=1) but not reachable at $(POSTGRES_URL)"; exit 1; \
	else echo "--- PostgreSQL not reachable at $(POSTGRES_URL): PostgreSQL run skipped"; fi

test: install lint typecheck migrations-check test-sqlite test-postgres

assets:
	npm install --no-audit --no-fund --prefix build/assets htmx.org@4.0.1 echarts@6.1.0
	cp build/assets/node_modules/htmx.org/dist/htmx.min.js riskdesk/web/static/vendor/htmx/
	cp build/assets/node_modules/echarts/dist/echarts.min.js riskdesk/web/static/vendor/echarts/

messages: install
	cd riskdesk && ../$(PY) ../manage.py makemessages -l en --no-obsolete && ../$(PY) ../manage.py compilemessages -l en

bench: install
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) staticfiles build
