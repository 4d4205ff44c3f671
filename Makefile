# The two commands of the README, and `make check` for lint + types + tests.
# Everything a fresh machine needs is installed here; nothing is assumed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check lint translations chromium webkit oidc-provider screenshots clean

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

# WebKit (the engine of every iPhone browser) for tests/webkit: Debian's WebKitGTK
# WebDriver, which starts MiniBrowser, on a virtual X display (Xvfb).
webkit:
	@command -v WebKitWebDriver >/dev/null 2>&1 && command -v Xvfb >/dev/null 2>&1 || { \
		echo "installing Debian's webkit2gtk-driver and xvfb for the WebKit tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq webkit2gtk-driver xvfb >/dev/null; }

# The staff sign-on tests run a real OpenID provider: node's oidc-provider, pinned in
# tests/oidc/package-lock.json and installed with `npm ci` into the user's cache folder,
# outside the checkout (tests/helpers/oidc_provider.py; the fixture installs it too).
oidc-provider: $(STAMP)
	@command -v npm >/dev/null 2>&1 || { \
		echo "installing Debian's nodejs and npm for the sign-on tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }
	@$(BIN)/python -c "from tests.helpers.oidc_provider import ensure_installed; ensure_installed()"

# Two workers (the machines have two cores), a test file each at a time (--dist loadfile
# in pyproject.toml): a file's module-scoped servers and browsers stay in one worker.
test: $(STAMP) chromium webkit oidc-provider
	$(BIN)/python -m pytest -n 2

# README pictures: the demo on a fixed clock (Debian's faketime), phone-sized, en + nl.
screenshots: $(STAMP) chromium
	@command -v faketime >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null; }
	$(BIN)/python docs/tools/screenshots.py

# Strict types over the app, its tests and the benchmarks ([tool.mypy] in pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check pwa tests bench
	$(BIN)/ruff format --check pwa tests bench
	$(BIN)/mypy pwa tests bench

# Security lint: no bandit finding of medium severity or higher (-ll). Bandit warns about
# each `# nosec` on a multi-line SQL string even though it honours it: those lines are dropped.
security: $(STAMP)
	@out=$$($(BIN)/bandit -q -c pyproject.toml -r pwa bench -ll 2>&1); status=$$?; \
		printf '%s\n' "$$out" | grep -v 'nosec encountered' || true; \
		echo "bandit: exit $$status"; exit $$status

# What CI runs (.ci/run): the quick checks first, so a lint error fails in a minute.
check: lint security test

# Benchmarks and the long loss/crash checks (docs/performance.md, docs/reliability.md).
# Each prints its numbers and exits non-zero when it misses its budget; all of them run
# even when one misses. Needs wrk and Node (for Lighthouse): installed here when missing.
BENCHES := page_weight guidance_offline throughput home_render scale push_fanout relay_stall load crash flaky_push backup fuzz
bench: $(STAMP) chromium
	@command -v wrk >/dev/null 2>&1 || { echo "installing Debian's wrk for bench/throughput.py"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	@test -x bench/node_modules/.bin/lighthouse || (cd bench && npm install --no-audit --no-fund)
	@failed=""; for name in $(BENCHES); do \
		echo "== bench/$$name.py"; $(BIN)/python bench/$$name.py || failed="$$failed $$name"; \
	done; if [ -n "$$failed" ]; then echo "missed or failed:$$failed"; exit 1; fi

# Refresh the message catalogues after changing visible text, then translate what is new:
# nl gets every message (messages.pot), the family languages what a family sees (family.pot,
# from babel-family.cfg). docs/translations.md says how.
FAMILY_LOCALES := ar pl tr uk
# --no-wrap: one line per message, as the catalogue is kept. -k: lazy form labels (`_l`); --ignore-dirs: Babel's default skips _-prefixed folders
# such as templates/_partials. Updating keeps the catalogue's header (language, plurals).
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k translate_plural:2,3 --ignore-dirs='.*' -o pwa/translations/messages.pot --no-location --sort-output --omit-header .
	$(BIN)/pybabel update --no-wrap -i pwa/translations/messages.pot -d pwa/translations -l nl --ignore-obsolete
	$(BIN)/pybabel extract -F babel-family.cfg -k _l -k lazy_gettext -k translate_plural:2,3 --ignore-dirs='.*' -o pwa/translations/family.pot --no-location --sort-output --omit-header .
	for locale in $(FAMILY_LOCALES); do \
		$(BIN)/pybabel update --no-wrap -i pwa/translations/family.pot -d pwa/translations -l $$locale --ignore-obsolete; done

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
