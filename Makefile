# Wegweiser developer commands. `make run` and `make test` set up everything they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
CATALOGS := $(wildcard locales/*/LC_MESSAGES/wegweiser.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: run test test-sqlite test-postgres lint format eval bench i18n i18n-update clean

$(STAMP): pyproject.toml setup.py constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt setuptools
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

locales/%/LC_MESSAGES/wegweiser.mo: locales/%/LC_MESSAGES/wegweiser.po $(STAMP)
	$(BIN)/pybabel compile --domain wegweiser --input-file $< --output-file $@

i18n: $(COMPILED)

## run: chat with the bot in this terminal (console transport, SQLite, demo directory)
run: $(STAMP) i18n
	$(BIN)/wegweiser chat

## test: lint, type checks and the whole test suite, on SQLite and then on PostgreSQL
test: lint i18n
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

## test-sqlite: the whole test suite on SQLite files
test-sqlite: $(STAMP) i18n
	$(BIN)/python -m pytest -q

## test-postgres: the whole test suite on a throwaway PostgreSQL server (tests/postgres.py;
## Debian's postgresql package is installed first when it is missing and we are root)
test-postgres: $(STAMP) i18n
	WEGWEISER_TEST_DATABASE=postgresql $(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## eval: answer quality per language on the project's question set, and answer time
eval: $(STAMP) i18n
	$(BIN)/python -m tests.evaluation

## bench: benchmarks (answering, Telegram end to end, broadcast, memory, start-up); rewrites bench/RESULTS.md
bench: $(STAMP) i18n
	$(BIN)/py-spy --version 2>/dev/null | grep -q '^py-spy 0.4.1$$' || \
		$(BIN)/python -m pip install --quiet 'py-spy==0.4.1'
	$(BIN)/python -m bench

## i18n-update: extract strings from the code and merge them into every catalog
i18n-update: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output \
		-o locales/wegweiser.pot .
	$(BIN)/pybabel update --domain wegweiser --input-file locales/wegweiser.pot \
		--output-dir locales --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) build *.egg-info $(COMPILED)
