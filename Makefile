# Two commands set up and run everything: `make demo` and `make test`.
# Each builds .venv and installs what it needs by itself.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
EXTRAS_DEMO := render,plot
EXTRAS_TEST := dev,render,plot,symbolic,bench

.PHONY: demo test lint unit notebooks bench lab clean

$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	touch $@

$(VENV)/.demo-deps: pyproject.toml $(VENV)/.created
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[$(EXTRAS_DEMO)]'
	touch $@

$(VENV)/.test-deps: pyproject.toml $(VENV)/.created
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[$(EXTRAS_TEST)]'
	touch $@

demo: $(VENV)/.demo-deps
	$(BIN)/chainrule demo

test: lint unit notebooks

lint: $(VENV)/.test-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/ruff check notebooks/execute.py notebooks/*.ipynb
	$(BIN)/ruff format --check notebooks/execute.py notebooks/*.ipynb

unit: $(VENV)/.test-deps
	$(BIN)/python -m pytest

notebooks: $(VENV)/.test-deps
	@if ls notebooks/*.ipynb >/dev/null 2>&1; then \
	  $(BIN)/python -m pytest --nbmake --nbmake-timeout=60 notebooks; \
	else echo "no notebooks yet"; fi

bench: $(VENV)/.test-deps
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[bench]'
	$(BIN)/python bench/run.py

# Containers often run as root, which JupyterLab refuses without --allow-root.
LAB_FLAGS := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)

lab: $(VENV)/.test-deps
	$(BIN)/pip install --quiet --disable-pip-version-check jupyterlab
	$(BIN)/jupyter lab notebooks $(LAB_FLAGS)

clean:
	rm -rf $(VENV) demo-output .pytest_cache .hypothesis
