# Xinyu — the two set-up commands are `make run` and `make test` (see README.md).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
DEMO_STUDENTS ?= 2000
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run run-prod test install install-test migrate demo serve lint format bench loadtest messages requirements-map clean

$(VENV)/.run-installed: requirements/run.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check --require-hashes -r requirements/run.lock
	touch $@

$(VENV)/.test-installed: requirements/test.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check --require-hashes -r requirements/test.lock
	touch $(VENV)/.run-installed $@

install: $(VENV)/.run-installed
install-test: $(VENV)/.test-installed

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo --students $(DEMO_STUDENTS) --seed 1 --if-empty
	$(PY) manage.py rollup --full

## make run: install, migrate the embedded SQLite database, load a demo city, serve it, print demo logins
run: demo
	$(PY) manage.py demo_logins --url http://$(HOST):$(PORT)/login/
	$(PY) manage.py runserver $(HOST):$(PORT)

## make run-prod: the production stack on loopback — gunicorn, Celery workers (alerts; default+bulk) and beat
## under xinyu.settings_prod, on PostgreSQL and Redis at 127.0.0.1 (docs/deploy.md); Ctrl-C stops it all
run-prod: install
	deploy/local-env.sh var/prod.env xinyu_prod redis://127.0.0.1:6379/1 $(PORT)
	XINYU_ENV_FILE=var/prod.env XINYU_SEED_STUDENTS=$(DEMO_STUDENTS) deploy/run-stack.sh

## make test: install the test dependencies and run the whole suite, browser tests included
test: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest -n 2 $(PYTEST_ARGS)

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install-test
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: install
	$(PY) manage.py makemessages -l zh_Hans -l en --no-obsolete --no-location --ignore '.venv/*' --ignore 'var/*'
	$(PY) manage.py compilemessages --ignore '.venv/*'

## make requirements-map: regenerate docs/requirements.md, the map from the plan's requirements to the code
## (a test fails while it is stale)
requirements-map: install
	$(PY) manage.py requirements_map

## make bench: the import benchmark (not part of the suite); needs PostgreSQL on 127.0.0.1:5432
bench: install-test
	$(PY) bench/import_bench.py

## make loadtest: the screening-day load test with faults on a throwaway production stack (tests/stack/loadtest.py);
## needs PostgreSQL and Redis on 127.0.0.1
loadtest: install-test
	$(PY) tests/stack/loadtest.py --own-stack

clean:
	rm -rf var/ $(VENV)
