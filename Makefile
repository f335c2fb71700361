# Two commands do all the set-up on a fresh machine (Python 3.11+):
#   make chat   install the bot and ask it questions in the terminal (bundled corpus, no token)
#   make test   install what the tests need (Ray too) and run the linter and the tests (CI)
# `make test` also installs the Bot API emulator of the end-to-end test with npm (Node 18+);
# `make test SKIP_E2E=1` skips that test and the npm step where node is not available.
PYTHON ?= python3
NPM ?= npm
VENV ?= .venv
BIN := $(VENV)/bin
export SKIP_E2E

.PHONY: chat test lint install install-test e2e-tools messages clean

chat: install
	$(BIN)/bot chat

install: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

install-test: $(VENV)/.installed-test
$(VENV)/.installed-test: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,cluster]'
	touch $(VENV)/.installed $@

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

e2e-tools: node_modules/.package-lock.json
node_modules/.package-lock.json: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund
	touch $@

test: lint $(if $(filter 1,$(SKIP_E2E)),,e2e-tools)
	$(BIN)/python -m pytest -q

# The bot's own words: extract the message ids into bot/locale/bot.pot and merge them into
# every catalog (then translate what is new; tests/test_i18n.py fails while one is missing).
messages: install-test
	$(BIN)/pybabel extract --no-location --omit-header -k N_ -k NP_:1,2 -o bot/locale/bot.pot bot
	$(BIN)/pybabel update -i bot/locale/bot.pot -d bot/locale -D bot --width 99

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache node_modules
