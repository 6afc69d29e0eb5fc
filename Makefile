# Channel Workbench: `make lab` to explore, `make test` to check everything, `make briefing`.
# Works on a fresh machine with Python 3.11+, make and bash; installs into .venv from the
# pinned constraints.txt so outputs and results do not drift with package releases.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
SUDO := $(shell [ "$$(id -u)" = 0 ] && echo "" || (sudo -n true 2>/dev/null && echo "sudo -n") || echo "NOSUDO")
export WORKBENCH_PROGRESS ?= 0
export PLOTLY_RENDERER ?= plotly_mimetype
LAB_PORT ?= 8888
# Test processes (pytest-xdist; 0: this process): on a 2-core machine two took the suite from
# 18.6 to 12.5 minutes in a working checkout, and a fresh-clone `make test` (installs
# included) from 19-20 to 10.7-11.3. Each notebook (its cells depend on each other) stays
# whole in one process (--dist loadscope).
TEST_WORKERS ?= 2

.PHONY: lab test setup setup-test briefing bench clean notebooks fixtures constraints chromium

lab: setup
	@echo "Starting JupyterLab on notebooks/ (open the URL printed below; Ctrl-C stops it)."
	WORKBENCH_PROGRESS=1 $(VENV)/bin/jupyter lab --no-browser --allow-root --ip=127.0.0.1 \
	  --port=$(LAB_PORT) --ServerApp.root_dir=notebooks

test: setup-test
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadscope tests workbench notebooks --nbval \
	  --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg $(PYTEST_ARGS)

bench: setup-test
	$(PY) -m bench

setup: $(VENV)/.lab-installed
setup-test: $(VENV)/.test-installed chromium

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version))."; exit 1; }
	@if ! $(PYTHON) -c 'import ensurepip, venv' 2>/dev/null; then \
	  pkg="python3-venv"; \
	  if [ "$(SUDO)" = NOSUDO ]; then \
	    echo "$$pkg is missing and I cannot install it (not root, no passwordless sudo)."; \
	    echo "Run: sudo apt-get install $$pkg   then run make again."; exit 1; fi; \
	  echo "Installing $$pkg with apt"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$pkg; fi
	$(PYTHON) -m venv $(VENV)

$(VENV)/.lab-installed: $(VENV)/bin/python pyproject.toml constraints.txt
	$(PIP) install -q -c constraints.txt -e .
	touch $@

# The store and Dask tests need the scale extra (duckdb, dask[dataframe,distributed]).
$(VENV)/.test-installed: $(VENV)/.lab-installed
	$(PIP) install -q -c constraints.txt -e ".[test,scale]"
	touch $@

# The browser tests, PDF briefings and figure saving (kaleido) drive Debian's Chromium;
# Playwright and kaleido cannot download browsers here. The PDF tests draw pages with
# pdftoppm (poppler-utils).
chromium:
	@missing=""; [ -x /usr/bin/chromium ] || missing=" chromium"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
	  if [ "$(SUDO)" = NOSUDO ]; then \
	    echo "missing:$$missing; run: sudo apt-get install$$missing  (browser and PDF tests will fail)"; \
	  else echo "Installing with apt:$$missing"; \
	    $(SUDO) apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; fi; fi

briefing: setup
	$(VENV)/bin/workbench brief --corpus data/fixtures/telegram --labels data/fixtures/channels.csv \
	  --event berlin-2016 --out build/briefing.html

fixtures: setup
	$(PY) -m workbench.synth

constraints:  ## re-pin after a dependency change, from a fresh `make clean setup-test` venv (then commit)
	{ echo '# Pins every package for `make lab` / `make test` (regenerate with `make constraints`).'; \
	  $(PIP) freeze --exclude-editable | grep -v '^channel-workbench'; } > constraints.txt

clean:
	rm -rf $(VENV) build .pytest_cache

notebooks: setup-test  ## re-execute notebooks in place (outputs are committed and checked by nbval)
	$(PY) tests/execute_notebooks.py $(NB)
