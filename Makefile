# 标准馆 — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
FONT_PACKAGE := node_modules/@expo-google-fonts/noto-sans-sc
export DJANGO_SETTINGS_MODULE ?= portal.settings.dev

.PHONY: setup run test lint format browser demo clean

setup: $(VENV)/.installed $(FONT_PACKAGE)/package.json

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

# The CJK font (Noto Sans SC) for PDF reports and pages, pinned in package-lock.json.
$(FONT_PACKAGE)/package.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Demo site with real data on http://127.0.0.1:$(PORT)
run: setup demo
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

demo: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo

# Browser tests drive Debian's chromium; CJK fonts make screenshots readable.
browser:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "noto sans cjk"; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
		else \
			echo "Browser tests need Debian's chromium and fonts-noto-cjk: sudo apt-get install chromium fonts-noto-cjk"; \
		fi; \
	fi

# The whole suite on SQLite and, when TEST_DATABASE_URL names a PostgreSQL database
# (postgres://USER:PASSWORD@HOST:PORT/NAME, a role that may create databases: the
# suite uses test_NAME), on PostgreSQL at the same time (.ci/run sets one up). Each run
# has its own uploads, temporary files and screenshots folders; the PostgreSQL run's
# output follows the SQLite run's, and the target fails if either run fails.
TEST_DATABASE_URL ?=
export TEST_DATABASE_URL
PYTEST_ARGS ?=
TEST_RUNS := var/test-runs
# pytest-django prefers DJANGO_SETTINGS_MODULE from the environment (exported above
# for `make run`) to pytest.ini's: name the test settings explicitly.
# A whole run still going after TEST_TIME_LIMIT seconds is interrupted (pytest prints
# where it was and what it had), then killed a minute later if need be: a stuck run
# fails with its log instead of holding CI until CI's own limit.
TEST_TIME_LIMIT ?= 2400
PYTEST := DJANGO_SETTINGS_MODULE=portal.settings.test \
	timeout --foreground --signal=INT --kill-after=60 $(TEST_TIME_LIMIT) $(VENV)/bin/pytest
PG_SKIPPED := PostgreSQL skipped: set TEST_DATABASE_URL=postgres://USER:PASSWORD@127.0.0.1:5432/NAME \
	(a role with CREATEDB) to run the suite on PostgreSQL too; .ci/run, run as root, installs \
	PostgreSQL from Debian packages and does this.

test: setup browser
	DJANGO_SETTINGS_MODULE=portal.settings.test $(PY) manage.py makemigrations --check --dry-run --verbosity 0
ifeq ($(strip $(TEST_DATABASE_URL)),)
	@echo "$(PG_SKIPPED)"
	$(PYTEST) $(PYTEST_ARGS)
else
	@rm -rf $(TEST_RUNS) && mkdir -p $(TEST_RUNS)/sqlite $(TEST_RUNS)/postgresql; \
	echo "Suite on SQLite (below) and on PostgreSQL at the same time (log: $(TEST_RUNS)/postgresql/pytest.log)"; \
	DATABASE_URL="$$TEST_DATABASE_URL" PRIVATE_MEDIA_ROOT=$(CURDIR)/$(TEST_RUNS)/postgresql/private \
		TEST_ARTIFACTS_DIR=$(CURDIR)/test-artifacts/postgresql \
		$(PYTEST) --basetemp=$(TEST_RUNS)/postgresql/tmp $(PYTEST_ARGS) \
		> $(TEST_RUNS)/postgresql/pytest.log 2>&1 & pg=$$!; \
	env -u DATABASE_URL PRIVATE_MEDIA_ROOT=$(CURDIR)/$(TEST_RUNS)/sqlite/private \
		$(PYTEST) --basetemp=$(TEST_RUNS)/sqlite/tmp $(PYTEST_ARGS); sqlite=$$?; \
	wait $$pg; postgresql=$$?; \
	echo "==================== the same suite on PostgreSQL ===================="; \
	cat $(TEST_RUNS)/postgresql/pytest.log; \
	echo "make test: SQLite exit $$sqlite, PostgreSQL exit $$postgresql"; \
	test $$sqlite -eq 0 && test $$postgresql -eq 0
endif

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) db.sqlite3* var
