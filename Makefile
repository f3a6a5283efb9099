# The README's two commands are `make demo` and `make test`; both install first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
NOTEBOOK ?= ../shared/reference/notebook.py

.PHONY: install install-dev test lint demo bench clean gallery docs

# Two stamps: the package with its runtime dependencies (all `make demo`
# needs), and the dev extras on top (pytest, hypothesis, scikit-learn,
# jsonschema, ruff, mypy). Both are remade when pyproject.toml changes.
install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# Everything; `pytest -m "not slow"` leaves out the subprocess, wheel, memory and fuzz tests.
test: lint
	MPLBACKEND=Agg $(BIN)/python -m pytest -q

# ruff (lint and format check) and mypy, configured in pyproject.toml.
lint: install-dev
	$(BIN)/ruff check gmm_anim tests scripts bench
	$(BIN)/ruff format --check gmm_anim tests scripts bench
	$(BIN)/mypy

demo: install
	$(BIN)/gmm-anim render configs/seed.yaml -o seed.gif

bench: install-dev
	MPLBACKEND=Agg $(BIN)/python bench/bench.py --notebook $(NOTEBOOK)

# One animation per example config; make renders only those whose config changed.
GALLERY := $(patsubst configs/%.yaml,out/%.gif,$(wildcard configs/*.yaml))

gallery: $(GALLERY)

out/%.gif: configs/%.yaml | $(VENV)/.installed
	MPLBACKEND=Agg $(BIN)/gmm-anim render $< -o $@ -q

# The committed JSON Schema and the README's key table, both generated from the models.
docs: install
	$(BIN)/gmm-anim schema > schema/gmm-anim.schema.json
	$(BIN)/python scripts/readme_keys.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis seed.gif
