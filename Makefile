# The README's two commands are `make demo` and `make test`; both install first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
NOTEBOOK ?= ../shared/reference/notebook.py

.PHONY: install test demo bench clean

install: $(VENV)/.installed

# Reinstall whenever the package metadata changes.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

test: install
	MPLBACKEND=Agg $(BIN)/python -m pytest -q

demo: install
	$(BIN)/gmm-anim render configs/seed.yaml -o seed.gif

bench: install
	MPLBACKEND=Agg $(BIN)/python bench/bench.py --notebook $(NOTEBOOK)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis seed.gif
