# ocrapp: `make run` starts the service, `make test` runs the tests, `make bench` measures.
VENV := .venv
PYTHON ?= python3
STAMP := $(VENV)/.installed

.PHONY: install run test bench lint format clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[worker,ops,test]'
	touch $@

install: $(STAMP)

run: $(STAMP)
	scripts/run

test: $(STAMP)
	scripts/test

bench: $(STAMP)
	scripts/bench

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
