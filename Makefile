# The two commands that matter: `make run` and `make test`. Both start from a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test chromium lint format bench faults clean

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
test: $(STAMP) chromium
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

## Debian's Chromium for the browser tests (installed with apt-get when missing and possible).
chromium:
	bash scripts/ensure-chromium.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .

BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e ".[bench]"
	touch $(BENCH_STAMP)

## Benchmark exports of 1k, 10k and 100k orders on SQLite and PostgreSQL (needs Redis and
## PostgreSQL on 127.0.0.1, like make test); prints a table and writes bench/results.json.
bench: $(BENCH_STAMP)
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.documents

.PHONY: bench-million
## A million orders on PostgreSQL (and 1,000 as the memory baseline): demo-data, xlsx,
## orders and positions CSV and json timed against issue 17's targets; several minutes.
## Writes bench/results-million.json.
bench-million: $(BENCH_STAMP)
	$(BIN)/python -m bench.run --sizes 1000,1000000 --backends postgresql \
		--exports xlsx,orders:default,positions:default,json --no-floor --csv-repeats 1 \
		--targets million --postgres-schema bench_million --output bench/results-million.json

.PHONY: bench-part-jobs
## After make bench-million: its workbook written by three workers as part jobs and by one
## worker with local processes, timed and compared.
bench-part-jobs: $(BENCH_STAMP)
	$(BIN)/python -m bench.part_jobs --format xlsx --workers 3 --parts 3

.PHONY: bench-quick
## The same for 1k and 10k orders on SQLite only: a minute or two.
bench-quick: $(BENCH_STAMP)
	$(BIN)/python -m bench.run --sizes 1000,10000 --backends sqlite

## Disturb a running service on purpose (killed worker, Redis and PostgreSQL away, bad
## chunked bodies, a flood of runs) and print what clients saw (needs Redis and PostgreSQL
## on 127.0.0.1, like make test).
faults: $(BENCH_STAMP)
	$(BIN)/python -m bench.faults

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache

.PHONY: cluster
## Web, three worker hosts and Redis/PostgreSQL/S3 in network namespaces of this machine
## (needs root): exports spread over hosts, a host killed mid-export, a host added.
cluster: $(BENCH_STAMP)
	$(BIN)/python -m bench.cluster
