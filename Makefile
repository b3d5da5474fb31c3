# Wegweiser developer commands. `make run` and `make test` set up everything they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
CATALOGS := $(wildcard locales/*/LC_MESSAGES/wegweiser.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: run test lint format eval i18n i18n-update clean

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

## test: lint, type checks and the whole test suite
test: lint i18n
	$(BIN)/python -m pytest -q

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

## i18n-update: extract strings from the code and merge them into every catalog
i18n-update: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output \
		-o locales/wegweiser.pot .
	$(BIN)/pybabel update --domain wegweiser --input-file locales/wegweiser.pot \
		--output-dir locales --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) build *.egg-info $(COMPILED)
