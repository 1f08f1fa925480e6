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

test: setup browser
	DJANGO_SETTINGS_MODULE=portal.settings.test $(PY) manage.py makemigrations --check --dry-run --verbosity 0
	$(VENV)/bin/pytest

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) db.sqlite3* var
