# Podkowa — two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PY := .venv/bin/python

.PHONY: run test setup db demo lint bench openapi messages clean

run: setup db demo            ## set up everything, load the demo town, serve on :8000 with the worker
	@bash scripts/run.sh

test:                         ## the whole suite: SpatiaLite, PostgreSQL + PostGIS, browser
	@bash scripts/test.sh

setup:
	@bash scripts/bootstrap.sh

db: setup
	@$(PY) manage.py migrate --noinput -v 0
	@$(PY) manage.py createcachetable

demo: db
	@$(PY) manage.py load_demo

lint: setup                   ## ruff, migrations in step with models, OpenAPI snapshot current
	@.venv/bin/ruff check .
	@PODKOWA_TESTING=1 $(PY) manage.py makemigrations --check --dry-run
	@$(PY) manage.py export_openapi --check docs/openapi.json

openapi: setup                ## regenerate the committed OpenAPI snapshot
	@$(PY) manage.py export_openapi docs/openapi.json

messages: setup               ## refresh the Polish catalogue (English is the source language)
	@$(PY) manage.py makemessages -l pl --no-obsolete --add-location file -v 0 \
		--ignore=.venv --ignore=node_modules --ignore=tests --ignore=bench --ignore=var

bench:                        ## every performance scenario in bench/, one JSON line each
	@EXTRA_SYSTEM_PACKAGES=wrk bash scripts/bootstrap.sh
	@# Peers measured against, never imported by the project (pygeoapi gets a venv of its own).
	@$(PY) -m pip install -q networkx 2>&1 | grep -v "is ignored: it is neither" || true
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf var .venv node_modules
