# The README's two commands: `make run` and `make test`. Both work on a fresh Debian
# machine with Python 3.11: they create .venv, install what is needed and go.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test bench lint clean

$(BIN)/python:
	./scripts/bootstrap.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-run

## run: install, migrate, seed demo data, serve http://$(HOST):$(PORT) (development mode)
run: export ATS_DEBUG ?= 1
run: $(VENV)/.installed-run
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo "Serving on http://$(HOST):$(PORT)/ (careers site), /recruit/ (workspace), /admin/."
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## test: install, lint, check migrations, run the whole suite
test: export ATS_DEBUG ?= 1
test: $(VENV)/.installed-test lint
	$(BIN)/python manage.py makemigrations --check --dry-run --verbosity 1
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## bench: the benchmarks in tests/bench/, each a ratio against a baseline measured in the same run
bench: export ATS_DEBUG ?= 1
bench: $(VENV)/.installed-test
	$(BIN)/python -m pytest -o addopts="" -p no:cacheprovider -s tests/bench $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
