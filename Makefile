# The README's two commands: `make demo` and `make test`. Both set up .venv themselves.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo test test-browser lint sdk-deps bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e ".[test,serve]"
	touch $@

# The official Sharetribe SDKs, for the end-to-end tests (tests/sdk).
sdk-deps: tests/sdk/node_modules/.installed

tests/sdk/node_modules/.installed: tests/sdk/package.json tests/sdk/package-lock.json
	cd tests/sdk && npm ci --no-audit --no-fund --loglevel=error
	touch $@

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py flex_demo --base-url http://$(HOST):$(PORT)
	@echo
	@echo "Serving the example site on http://$(HOST):$(PORT)/ (admin at /admin/). Ctrl-C stops it."
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install sdk-deps
	$(VENV)/bin/pytest -m "not browser"

# The admin end to end in Debian's headless Chromium (/usr/bin/chromium; nothing is downloaded).
test-browser: install
	$(VENV)/bin/pytest -m browser

# flex-auth-django beside stock django-oauth-toolkit under wrk (installs wrk with apt-get, needs
# PostgreSQL and Redis on 127.0.0.1); prints the targets and writes bench/results.md.
# Options: make bench BENCH_ARGS="--help".
bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) tests/sdk/node_modules db.sqlite3
