# Parley: `make demo` and `make test` are all a newcomer needs; both install first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint typecheck unit integration e2e synth dev lock clean policy-report bench

install: $(STAMP)

# Rebuilt only when the pinned lock or the project metadata changes.
$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

demo: install
	$(BIN)/parley demo

CODE := parley functions devstack infra bench tools tests

# ruff, and the dependency rule between the layers (import-linter contracts in pyproject.toml).
lint: install
	$(BIN)/ruff check $(CODE)
	$(BIN)/ruff format --check $(CODE)
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

# pytest exits 5 when it collects nothing: make treats that as the failure it is.
test: lint typecheck
	$(BIN)/pytest -q

unit: install
	$(BIN)/pytest -q tests/unit

integration: install
	$(BIN)/pytest -q tests/integration

e2e: install
	$(BIN)/pytest -q tests/e2e

synth: install
	$(BIN)/python infra/app.py

dev: install
	$(BIN)/parley dev

# Regenerate requirements.lock from pyproject.toml in a throwaway environment.
lock:
	rm -rf /tmp/parley-lock && $(PYTHON) -m venv /tmp/parley-lock
	/tmp/parley-lock/bin/pip install --quiet --disable-pip-version-check '.[dev]'
	/tmp/parley-lock/bin/pip freeze --exclude parley | grep -v '^-e' > requirements.lock

clean:
	rm -rf $(VENV) cdk.out var .pytest_cache .mypy_cache .ruff_cache

# Speed, memory, cold imports, cost per message, reminder reads, SMTP-to-outbox load.
bench: install
	$(BIN)/python bench/run.py

# Precision and recall per rule on the labeled corpus (tests/policy/corpus.jsonl).
policy-report: install
	$(BIN)/python -m tools.policy_report
