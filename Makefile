# ocrapp: `make run` starts the service, `make test` runs the tests, `make bench` measures.
# `make test-fast`: the quick tier, no PostgreSQL, Redis or slow OCR, in under a minute.
VENV := .venv
PYTHON ?= python3
STAMP := $(VENV)/.installed

.PHONY: install run test test-fast bench fuzz chaos lint format clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[worker,ops,test,bench]'
	touch $@

install: $(STAMP)

run: $(STAMP)
	scripts/run

test: $(STAMP)
	scripts/test

test-fast: $(STAMP)
	$(VENV)/bin/pytest -q -m "not services and not slow"

bench: $(STAMP)
	scripts/bench

# Not part of `make test`: a time-bounded fuzz run of the upload intake (FUZZ_SECONDS).
FUZZ_SECONDS ?= 60
fuzz: $(STAMP)
	$(VENV)/bin/pip install --quiet 'atheris>=2.3'
	mkdir -p instance/fuzz
	$(VENV)/bin/python fuzz/fuzz_intake.py -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 \
		-artifact_prefix=instance/fuzz/ instance/fuzz fuzz/corpus

# The whole stack under load while processes and services are killed (CHAOS_SECONDS); a
# 2-minute run is part of `make test`. Needs PostgreSQL's server programs and redis-server.
CHAOS_SECONDS ?= 600
chaos: $(STAMP)
	CHAOS_SECONDS=$(CHAOS_SECONDS) $(VENV)/bin/python -m chaos

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
