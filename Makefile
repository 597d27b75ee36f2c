# Fangkong — the two set-up commands are `make run` and `make test`; the rest are for developers.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test bench lint messages clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# A local secret for the demo; production sets SECRET_KEY itself, the tests use fangkong/testing.py.
var/secret_key:
	mkdir -p var
	$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@

ENV = SECRET_KEY="$$(cat var/secret_key)"

messages: $(VENV)/.installed var/secret_key
	$(ENV) $(PY) manage.py catalogs_compile

# The background worker (large imports) runs beside the web server and stops with it.
run: $(VENV)/.installed var/secret_key messages
	$(ENV) DEBUG=1 $(PY) manage.py migrate --no-input
	$(ENV) DEBUG=1 $(PY) manage.py demo_load
	$(ENV) DEBUG=1 $(PY) manage.py db_worker --no-reload -v 0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(ENV) DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed messages
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed var/secret_key messages
	$(ENV) $(PY) benchmarks/run.py $(BENCH)

# ruff on everything; mypy (with django-stubs, which loads the settings) on the apps pyproject.toml names.
lint: $(VENV)/.installed var/secret_key
	$(VENV)/bin/ruff check .
	$(ENV) $(VENV)/bin/mypy

clean:
	rm -rf $(VENV) var
