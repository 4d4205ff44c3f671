# The two commands of the README, and `make check` for lint + types + tests.
# Everything a fresh machine needs is installed here; nothing is assumed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check lint translations chromium screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/pwa migrate
	$(BIN)/pwa demo
	$(BIN)/pwa serve

# Browser tests drive Debian's Chromium (Playwright cannot download its own here).
chromium:
	@command -v chromium >/dev/null 2>&1 || test -x /usr/bin/chromium || { \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: $(STAMP) chromium
	$(BIN)/python -m pytest

# README pictures: the demo on a fixed clock (Debian's faketime), phone-sized, en + nl.
screenshots: $(STAMP) chromium
	@command -v faketime >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null; }
	$(BIN)/python docs/tools/screenshots.py

lint: $(STAMP)
	$(BIN)/ruff check pwa tests bench
	$(BIN)/ruff format --check pwa tests bench
	$(BIN)/mypy

check: lint test

# Refresh the message catalogues after changing visible text (then translate nl).
# -k: lazy form labels (`_l`); --ignore-dirs: Babel's default skips _-prefixed folders
# such as templates/_partials. Updating keeps the catalogue's header (language, plurals).
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs='.*' -o pwa/translations/messages.pot --no-location --sort-output --omit-header .
	$(BIN)/pybabel update -i pwa/translations/messages.pot -d pwa/translations --ignore-obsolete

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
