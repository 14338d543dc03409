# Threadline: `make run` serves the API on the embedded default; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint typecheck format bench bench-quick bench-inprocess bench-browser clean .venv

.venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Threadline needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/threadline serve --dev --host $${HOST:-127.0.0.1} --port $${PORT:-8000}

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

# One pytest worker per core (PYTEST_WORKERS=N to choose): every test makes its own databases,
# Redis prefix, files and ports, so they run side by side.
test: lint
	$(BIN)/pytest -q -n $${PYTEST_WORKERS:-auto} $(PYTEST_ARGS)

format: $(STAMP)
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

# Load runs with wrk against real servers (embedded default, then PostgreSQL + Redis), each beside a
# bare-ASGI ceiling; seeds once with `python -m benchmarks.seeding` (cached in benchmarks/.data and
# bench databases; BENCH_RESEED=1 seeds again).
bench: $(STAMP)
	$(BIN)/python -m benchmarks.load

bench-quick: $(STAMP)
	BENCH_QUICK=1 $(BIN)/python -m benchmarks.load

# The widget in Chromium: first page of a 1,000-comment thread and a scroll through 500, beside a
# plain-loop ceiling (also part of `make bench`: BENCH_ONLY=browser_widget).
bench-browser: $(STAMP)
	$(BIN)/python -m benchmarks.browser_widget

# The application layer without HTTP (command runner, projector, cached/uncached page).
bench-inprocess: $(STAMP)
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) threadline.db threadline.db-wal threadline.db-shm .pytest_cache .mypy_cache .ruff_cache
