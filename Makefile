# Prevention First assistant. `make run` serves the bot; `make test` runs the whole suite.
# Both set everything up from nothing: the virtualenv, the pinned packages, the database.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed

.PHONY: help setup node browser migrate index eval run lint test bench package clean

help:
	@echo "make run      set up, migrate and serve the bot on http://127.0.0.1:3978/api/messages"
	@echo "make test     set up and run the whole test suite (SQLite, PostgreSQL, Teams emulator)"
	@echo "make lint     check the import contracts and the types"
	@echo "make index    validate the knowledge files and publish the search index (incremental)"
	@echo "make eval     print the search quality figures on every question set, also with distractors added"
	@echo "make bench    print the benchmark figures"
	@echo "make package  write the Teams app zip (needs MicrosoftAppId)"

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $@

setup: $(STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

node: node_modules/.package-lock.json

# The Hub workspace's browser tests drive Debian's chromium (Playwright uses it; it downloads nothing).
browser:
	@command -v chromium >/dev/null || apt-get install -y -q chromium \
		|| (apt-get update -q && apt-get install -y -q chromium)

migrate: setup
	$(PY) -m domain.ops.migrate

index: setup
	OMP_NUM_THREADS=1 $(PY) -m indexer validate
	$(PY) -m indexer build

eval: index
	OMP_NUM_THREADS=1 $(PY) -m eval

run: setup node migrate index
	OMP_NUM_THREADS=1 $(PY) -m bot

# The architecture's contracts (pyproject.toml) and the types: strict for the domain and the
# indexer; the chat layer is checked with botbuilder's imports untyped (it ships no stubs).
lint: setup
	$(VENV)/bin/lint-imports
	$(PY) -m mypy --strict domain indexer
	$(PY) -m mypy bot dialogs

test: setup node browser lint
	$(PY) -m pytest

bench: index
	$(PY) -m bench

package: setup
	$(PY) -m manifest.package

clean:
	rm -rf $(VENV) node_modules build .pytest_cache
