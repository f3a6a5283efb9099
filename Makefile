# The README's two commands are `make demo` and `make test`; both install first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
NOTEBOOK ?= ../shared/reference/notebook.py

.PHONY: install test lint demo bench clean gallery docs

install: $(VENV)/.installed

# Reinstall whenever the package metadata changes.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

test: lint
	MPLBACKEND=Agg $(BIN)/python -m pytest -q

# ruff (lint and format check) and mypy, configured in pyproject.toml.
lint: install
	$(BIN)/ruff check gmm_anim tests scripts bench
	$(BIN)/ruff format --check gmm_anim tests scripts bench
	$(BIN)/mypy

demo: install
	$(BIN)/gmm-anim render configs/seed.yaml -o seed.gif

bench: install
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
