# influence: `make help` lists the targets. `make report` and `make test` set up .venv themselves.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    ?= .venv
PY      := $(VENV)/bin/python
UV      := $(VENV)/bin/uv
SECTOR  ?= sante
EDITION ?=
OUT     ?= outputs
STAMP   := $(VENV)/.installed
DEPS    := pyproject.toml
BASELINE ?= cca8247
REPEAT  ?=

.PHONY: help setup system bytecode lab lint test test-fast golden report batch sample bench bench-report clean distclean

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-13s %s\n", $$1, $$2}'

$(PY):
	python3 -m venv $(VENV)

$(UV): | $(PY)
	$(PY) -m pip --version >/dev/null 2>&1 || $(PY) -m ensurepip --upgrade >/dev/null
	$(PY) -m pip install --quiet --disable-pip-version-check uv

# Debian packages report.pdf uses beyond Pango, HarfBuzz and fontconfig (on every machine of ours):
# an emoji font (posts quote emoji; without it they print as empty boxes) and HarfBuzz's subsetter
# (fonts embedded without WeasyPrint's slower fallback). Checked on every run, installed once.
SYSTEM_PKGS := fonts-noto-color-emoji libharfbuzz-subset0

system: ## Debian packages of the PDF booklet (emoji font, font subsetter): installed when root, else the command is shown
	@missing=$$(for p in $(SYSTEM_PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing" $$missing "(Debian) for report.pdf"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; } >/dev/null \
	      || echo "note: could not install" $$missing "; report.pdf will lack emoji" >&2; \
	  else echo "note: report.pdf prints emoji and embeds fonts best with: sudo apt-get install" $$missing >&2; fi; \
	fi

# Reinstalled whenever pyproject.toml changes or the environment is missing.
$(STAMP): $(DEPS) | $(UV) system
	UV_COMPILE_BYTECODE=1 $(UV) pip install --quiet --python $(PY) -e '.[test,bench,dask]'
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (influence)" >/dev/null
	touch $(STAMP)

setup: $(STAMP) ## create .venv with the package, tests and benchmark tools (uv, from PyPI)

# The package is installed editable, so pip never compiled it; where PYTHONDONTWRITEBYTECODE is set
# (as on our machines) every process and every report kernel would compile its modules again
# (0.1 s of CPU each). Only changed modules are compiled again; __pycache__ is git-ignored.
bytecode: $(STAMP) ## compile the package's modules (quick when nothing changed)
	@$(PY) -m compileall -q influence_lib

lab: $(STAMP) ## add JupyterLab to .venv (kept out of runs and CI: it slows every notebook import)
	$(UV) pip install --quiet --python $(PY) -e '.[test,bench,dask,lab]'

lint: $(STAMP) ## ruff: pyflakes, import order, numpydoc docstrings of public functions
	$(VENV)/bin/ruff check influence_lib tests benchmarks notebooks

test: $(STAMP) bytecode lint ## run every test: lint, unit, CLI, integration, notebooks (nbval)
	$(PY) -m pytest -q -n 2 --dist loadfile tests
	$(PY) -m pytest -q -p no:faker --nbval-lax --nbval-current-env notebooks

test-fast: $(STAMP) ## unit and CLI tests only
	$(PY) -m pytest -q -x tests -m "not slow"

report: $(STAMP) bytecode ## the full report of sector SECTOR (default sante) from the embedded sample, under outputs/
	$(VENV)/bin/influence report --sector $(SECTOR) $(if $(EDITION),--edition $(EDITION)) --out $(OUT)

batch: $(STAMP) bytecode ## the report of every sector of the sample, two at a time
	$(VENV)/bin/influence batch --jobs 2 --out $(OUT)

golden: $(STAMP) ## regenerate the golden tables under tests/golden (a changed file is a methodology change)
	$(PY) -m tests.golden

sample: $(STAMP) ## rewrite the embedded sample data/sample (deterministic: same bytes)
	$(VENV)/bin/influence synth --out data/sample

bench: $(STAMP) bytecode ## benchmarks: influence rank against DuckDB at 10^5, 10^6, 10^7 posts
	$(PY) benchmarks/bench_rank.py

bench-report: $(STAMP) bytecode ## benchmark: the sante report and batch (1 vs 2 jobs), this tree against commit BASELINE
	$(PY) benchmarks/bench_report.py --baseline $(BASELINE) $(if $(REPEAT),--repeat $(REPEAT))

clean: ## remove outputs and caches (keeps .venv)
	find outputs -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
	find . -name __pycache__ -type d -prune -not -path './$(VENV)/*' -exec rm -rf {} +
	rm -rf .pytest_cache .hypothesis benchmarks/results

distclean: clean ## also remove .venv and benchmark data
	rm -rf $(VENV) benchmarks/data
