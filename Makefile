# Yunying: `make demo` installs everything and serves the demo chain; `make test` runs the whole suite.
SHELL := /bin/bash
# uv: the one on PATH, else the one `make uv` puts in .tools/ (a private virtual environment, so Debian's
# externally-managed Python is never touched).
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/yunying
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
PYTEST_ARGS ?=
PORT ?= 8000

.PHONY: demo test install uv python-deps assets translations messages gettext browser lint typecheck test-sqlite \
	test-postgres test-clone clean bench

demo: install
	$(BIN)/yunying demo --port $(PORT)

# Every step runs even when an earlier one fails, so one failure never hides another; the summary at the end
# names each step's outcome and make exits non-zero when any failed. The two halves of the suite are single
# processes, so they run side by side (each writes var/<step>.out, whose end is printed when both are done).
TEST_STEPS := lint typecheck
TEST_PARALLEL := test-sqlite test-postgres
TEST_AFTER := test-clone
test: install browser
	@mkdir -p var; rm -f var/test-summary.txt var/*.last var/*.result; \
	step() { start=$$(date +%s); if $(MAKE) --no-print-directory $$1; then result=passed; else result=FAILED; fi; \
		printf '%-14s %-7s %4ss  %s\n' "$$1" "$$result" "$$(( $$(date +%s) - start ))" \
			"$$(tail -n 1 var/$$1.last 2>/dev/null)" > var/$$1.result; }; \
	for s in $(TEST_STEPS); do step $$s; done; \
	echo "running side by side: $(TEST_PARALLEL) (output in var/<step>.out)"; \
	for s in $(TEST_PARALLEL); do step $$s > var/$$s.out 2>&1 & done; wait; \
	for s in $(TEST_PARALLEL); do echo; echo "==== $$s (last 60 lines of var/$$s.out)"; tail -n 60 var/$$s.out; done; \
	for s in $(TEST_AFTER); do step $$s; done; \
	for s in $(TEST_STEPS) $(TEST_PARALLEL) $(TEST_AFTER); do cat var/$$s.result >> var/test-summary.txt; done; \
	echo; echo "make test summary:"; cat var/test-summary.txt; ! grep -q FAILED var/test-summary.txt

install: python-deps assets translations

translations: python-deps gettext
	cd src/yunying && YUNYING_DATA_DIR=../../var ../../$(BIN)/yunying compilemessages -v0

uv:
	@command -v uv >/dev/null 2>&1 || test -x .tools/bin/uv || { \
		python3 -m venv .tools 2>/dev/null || { rm -rf .tools; \
			if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
			$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq python3-venv >/dev/null; \
			python3 -m venv .tools; }; \
		.tools/bin/pip install --quiet --disable-pip-version-check uv; }

python-deps: uv
	$(UV) sync --frozen --quiet

# The bundles (esbuild, the stylesheet trimmed to the classes the source uses), then collected under hashed,
# compressed names into var/static (`yunying serve` collects again at each start, for its own data folder).
assets: node_modules/.package-lock.json python-deps
	npm run --silent build
	YUNYING_DATA_DIR=var $(BIN)/yunying collectstatic --noinput -v0

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

# Each half keeps its last line (pytest's counts) in var/<step>.last for the summary.
test-sqlite:
	@mkdir -p var; set -o pipefail; env -u DATABASE_URL -u REDIS_URL YUNYING_DATA_DIR=var/test-sqlite \
		$(BIN)/pytest $(PYTEST_ARGS) 2>&1 | tee var/test-sqlite.log; rc=$$?; \
		grep -E '(passed|failed|error)' var/test-sqlite.log | tail -n 1 > var/test-sqlite.last; exit $$rc

test-postgres:
	@mkdir -p var; set -o pipefail; YUNYING_DATA_DIR=var/test-postgres DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_TEST_URL) \
		$(BIN)/pytest $(PYTEST_ARGS) 2>&1 | tee var/test-postgres.log; rc=$$?; \
		grep -E '(passed|failed|error)' var/test-postgres.log | tail -n 1 > var/test-postgres.last; \
		$(BIN)/python -c "import redis, sys; n = redis.Redis.from_url('$(REDIS_TEST_URL)').dbsize(); \
			print(f'keys left in $(REDIS_TEST_URL): {n}'); sys.exit(1 if n else 0)" || rc=1; exit $$rc

# A fresh clone in a temporary folder with nothing beside it: it must collect as many tests as this tree and
# pass the conformance tests (nothing the project runs may read a path outside the repository).
test-clone:
	@mkdir -p var; set -o pipefail; $(BIN)/python tests/fresh_clone_check.py 2>&1 | tee var/test-clone.log; rc=$$?; \
		tail -n 1 var/test-clone.log > var/test-clone.last; exit $$rc

# Benchmarks print figures beside a baseline measured in the same run (not part of make test).
bench: install
	$(BIN)/python bench/bench_workflow.py
	$(BIN)/python bench/bench_analytics.py
	$(BIN)/python bench/bench_limits.py
	$(BIN)/python bench/bench_notifications.py
	$(BIN)/python bench/bench_attacks.py

# Refresh the message catalogue after changing user-facing strings (zh-Hans source, English catalogue).
messages: python-deps
	cd src/yunying && YUNYING_DATA_DIR=../../var ../../$(BIN)/yunying makemessages -l en --no-obsolete --ignore "*/tests/*" --ignore "static/*" -v0

clean:
	rm -rf $(VENV) .tools node_modules src/yunying/web/static/dist var/test-sqlite var/test-postgres
