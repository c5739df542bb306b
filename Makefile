# The two commands that matter: `make run` and `make test`. Both start from a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint format bench clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev,embedded-redis]"
	touch $(STAMP)

install: $(STAMP)

## Start a working service with demo data (embedded Redis unless REDIS_URL is set).
run: $(STAMP)
	$(BIN)/python -m service.devrun

## Lint and run the whole test suite (needs Redis and PostgreSQL on 127.0.0.1, see README).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
