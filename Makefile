# The README's two commands: `make demo` and `make test`. Both set up .venv themselves.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo test test-browser test-packaging lint sdk-deps bench faults soak dist docs clean

install: $(VENV)/.installed

$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	touch $@

# The package with the test and serve extras (what `make test` and the bench need).
$(VENV)/.installed: pyproject.toml | $(VENV)/.created
	$(PIP) install --quiet -e ".[test,serve]"
	touch $@

# Only what the demo needs: the package and the `demo` extra, no test tools.
$(VENV)/.demo-installed: pyproject.toml | $(VENV)/.created
	$(PIP) install --quiet -e ".[demo]"
	touch $@

# The docs extra (Sphinx, Furo, MyST), for `make docs`.
$(VENV)/.docs-installed: pyproject.toml | $(VENV)/.created
	$(PIP) install --quiet -e ".[docs]"
	touch $@

# The official Sharetribe SDKs, for the end-to-end tests (tests/sdk).
sdk-deps: tests/sdk/node_modules/.installed

tests/sdk/node_modules/.installed: tests/sdk/package.json tests/sdk/package-lock.json
	cd tests/sdk && npm ci --no-audit --no-fund --loglevel=error
	touch $@

demo: $(VENV)/.demo-installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py flex_demo --base-url http://$(HOST):$(PORT)
	@echo
	@echo "Serving the example site on http://$(HOST):$(PORT)/ (admin at /admin/). Ctrl-C stops it."
	DJANGO_DEBUG=1 DJANGO_ALLOWED_HOSTS=$(HOST),localhost,127.0.0.1 $(PY) manage.py runserver $(HOST):$(PORT)

test: install sdk-deps
	$(VENV)/bin/pytest -m "not browser"

# The admin end to end in Debian's headless Chromium (/usr/bin/chromium; nothing is downloaded);
# Login as user also runs a marketplace server with the official SDK (sdk-deps).
test-browser: install sdk-deps
	$(VENV)/bin/pytest -m browser

# flex-auth-django beside stock django-oauth-toolkit under wrk (installs wrk with apt-get, needs
# PostgreSQL and Redis on 127.0.0.1); prints the targets and writes bench/results.md.
# Options: make bench BENCH_ARGS="--help".
bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

# Faults under mixed load on servers of its own (PostgreSQL, Redis, gunicorn on free loopback
# ports; the machine's are never touched): PostgreSQL restarted, crashed and down, Redis restarted
# and emptied; writes bench/faults.md (about 2.5 minutes). FAULTS_ARGS="--short" is the test's version.
faults: install
	$(PY) bench/faults.py $(FAULTS_ARGS)

# The same load for 30 minutes with the workers' RSS sampled each minute; writes bench/soak.md.
# SOAK_ARGS="--minutes 3" for a trial.
soak: install
	$(PY) bench/soak.py $(SOAK_ARGS)

# The wheel and the sdist into dist/ (pip install dist/flex_auth_django-*.whl).
dist: install
	rm -rf dist
	$(PY) -m build --outdir dist .

# The wheel installed into a fresh virtualenv outside the repo, serving a minimal site.
test-packaging: install
	bash tests/packaging/smoke.sh

# The docs site into docs/_build/html, strictly: a warning (a broken link or cross-reference,
# a bad docstring) fails the build. Offline: nothing is fetched while building.
docs: $(VENV)/.docs-installed
	$(VENV)/bin/sphinx-build -b html -W --keep-going -n -q -E docs docs/_build/html
	@echo "The docs: docs/_build/html/index.html"

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) tests/sdk/node_modules db.sqlite3 dist build docs/_build
