# Yunying: `make demo` installs everything and serves the demo chain; `make test` runs the whole suite.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/yunying
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
PYTEST_ARGS ?=

.PHONY: demo test install uv python-deps assets translations messages gettext browser lint typecheck test-sqlite test-postgres clean bench

demo: install
	$(BIN)/yunying demo

test: install browser lint typecheck test-sqlite test-postgres

install: python-deps assets translations

translations: python-deps gettext
	cd src/yunying && YUNYING_DATA_DIR=../../var ../../$(BIN)/yunying compilemessages -v0

uv:
	@command -v uv >/dev/null 2>&1 || test -x $(HOME)/.local/bin/uv || python3 -m pip install --quiet --user uv

python-deps: uv
	$(UV) sync --frozen --quiet

assets: node_modules/.package-lock.json
	npm run --silent build

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

# GNU gettext compiles the message catalogues (Debian's package, when missing).
gettext:
	@command -v msgfmt >/dev/null 2>&1 || { if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq gettext >/dev/null; }

# Debian's Chromium and CJK fonts for the browser tests (Playwright drives /usr/bin/chromium), and
# GNU gettext for the message catalogues.
browser:
	@if [ ! -x /usr/bin/chromium ] || ! command -v xgettext >/dev/null || ! fc-list 2>/dev/null | grep -qi 'Noto Sans CJK'; then \
		if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk gettext >/dev/null; \
	fi

lint:
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck:
	$(BIN)/mypy

test-sqlite:
	env -u DATABASE_URL -u REDIS_URL YUNYING_DATA_DIR=var/test-sqlite $(BIN)/pytest $(PYTEST_ARGS)

test-postgres:
	YUNYING_DATA_DIR=var/test-postgres DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_TEST_URL) $(BIN)/pytest $(PYTEST_ARGS)

# Benchmarks print figures beside a baseline measured in the same run (not part of make test).
bench: install
	$(BIN)/python bench/bench_workflow.py
	$(BIN)/python bench/bench_analytics.py
	$(BIN)/python bench/bench_attacks.py

# Refresh the message catalogue after changing user-facing strings (zh-Hans source, English catalogue).
messages: python-deps
	cd src/yunying && YUNYING_DATA_DIR=../../var ../../$(BIN)/yunying makemessages -l en --no-obsolete --ignore "*/tests/*" --ignore "static/*" -v0

clean:
	rm -rf $(VENV) node_modules src/yunying/web/static/dist var/test-sqlite var/test-postgres
