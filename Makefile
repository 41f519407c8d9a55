# Parley: `make demo` and `make test` are all a newcomer needs; both install first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# The web front end (web/): npm ci from the lockfile, then `npm run build`, which regenerates
# the typed client from `parley openapi`, type-checks, bundles into web/dist and writes its
# gzipped size to web/dist/size.json. Rebuilt when the page's sources or the API change.
WEB_STAMP   := web/dist/.built
WEB_MODULES := web/node_modules/.installed
WEB_SOURCES := $(shell find web/src web/scripts web/public -type f ! -name schema.d.ts 2>/dev/null) \
	web/index.html web/vite.config.ts web/tsconfig.json $(shell find functions/api -name '*.py')

.PHONY: chromium install demo test lint typecheck unit integration e2e synth dev lock clean policy-report bench

install: $(STAMP) $(WEB_STAMP) chromium

# Rebuilt only when the pinned lock or the project metadata changes.
$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

$(WEB_MODULES): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $(WEB_MODULES)

$(WEB_STAMP): $(STAMP) $(WEB_MODULES) $(WEB_SOURCES)
	cd web && npm run build
	touch $(WEB_STAMP)

# The browser tests drive Debian's Chromium (browser downloads are not reachable here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "make install: Chromium is missing; installing Debian's chromium for the browser tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

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
	rm -rf $(VENV) cdk.out var .pytest_cache .mypy_cache .ruff_cache web/dist web/node_modules

# Speed, memory, cold imports, cost per message, reminder reads, SMTP-to-outbox load.
bench: install
	$(BIN)/python bench/run.py

# Precision, recall and false blocks per rule on the development and the frozen test set.
policy-report: install
	$(BIN)/python -m tools.policy_report
