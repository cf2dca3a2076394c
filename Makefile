# Two commands do all set-up: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3.11
VENV   := .venv
STAMP  := $(VENV)/.installed

.PHONY: run test golden clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/socialcredit run $(ARGS)

test: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks scripts
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest $(ARGS)

golden: $(STAMP)
	$(VENV)/bin/python scripts/update_golden.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .mypy_cache
	find src -name '*.nbi' -delete -o -name '*.nbc' -delete  # the compiled kernels' cache
