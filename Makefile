# The Paperless Tracker. `make run` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_ENV := TRACKER_DEMO=true TRACKER_TODAY=$${TRACKER_TODAY:-2018-04-20}

.PHONY: run test bench lint lock install install-production migrate demo screenshots clean

$(BIN)/.installed: pyproject.toml requirements.lock
	@echo "== Python packages into $(VENV) (a few minutes on a fresh machine) =="
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --progress-bar off -c requirements.lock -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	@echo "== NHS.UK frontend files (npm) =="
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(BIN)/.installed node_modules/.installed

## install-production: runtime dependencies only (no test, lint or browser tools)
install-production:
	@echo "== Runtime Python packages into $(VENV) =="
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --progress-bar off -c requirements.lock -e .  # editable: migrations, fixtures and assets stay in this checkout
	@echo "== NHS.UK frontend files (npm, without devDependencies) =="
	npm ci --omit=dev --no-audit --no-fund --loglevel=error

migrate: install
	$(BIN)/tracker migrate

## run: install everything, migrate, load the demo into an empty database, serve on :8000
run: migrate
	$(DEMO_ENV) $(BIN)/tracker demo
	$(DEMO_ENV) $(BIN)/tracker serve

## test: the whole suite, one worker per CPU (set TRACKER_DATABASE_URL to run it on PostgreSQL,
## TEST_WORKERS=0 to run it in one process)
TEST_WORKERS ?= auto
test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

## bench: figures at national scale, each beside its raw limit
bench: install
	$(BIN)/python -m tests.benchmarks

## lint: ruff, mypy, bandit and pip-audit
lint: install
	$(BIN)/ruff check tracker tests
	$(BIN)/ruff format --check tracker tests
	$(BIN)/mypy tracker tests/benchmarks
	$(BIN)/bandit -q -c pyproject.toml -r tracker
	$(BIN)/pip-audit --skip-editable --progress-spinner off

## screenshots: the README's pictures, taken from the demo
screenshots: install
	$(BIN)/python -m tests.screenshots

## lock: pin every installed package at its tested version (after changing pyproject.toml's dependencies)
lock: install
	{ sed -n '1,3p' requirements.lock; $(BIN)/pip freeze --exclude-editable; } > requirements.lock.new
	mv requirements.lock.new requirements.lock

clean:
	rm -rf $(VENV) node_modules data test-artifacts
