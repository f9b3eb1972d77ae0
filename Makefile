# Two commands on a fresh machine: `make run` and `make test`. Both create .venv and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2

.PHONY: run test lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-run: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e .
	$(BIN)/pybabel compile -d interfaces/web/console/translations
	touch $@

$(VENV)/.installed-test: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/pybabel compile -d interfaces/web/console/translations
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/civicflow serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

# On every core (pytest-xdist), each worker taking the next test as it finishes one; `PYTEST_ARGS='-n 0'` runs serially.
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n auto --dist worksteal $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
