# Every set-up step a fresh machine needs lives here, so `make run` and `make test` work on a
# clean clone with nothing installed but Python 3.11+.
VENV ?= .venv
PY := $(VENV)/bin/python
EXTRAS ?= dev

.PHONY: setup run test lint bench clean

$(VENV)/.installed-$(EXTRAS): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[$(EXTRAS)]'
	touch $@

setup: $(VENV)/.installed-$(EXTRAS)

## The main job: check the model, then understand a few sample requests.
run: setup
	$(VENV)/bin/kindwell export-model build/skill-package
	$(VENV)/bin/kindwell nlu < examples/utterances.txt

lint: setup
	$(PY) -m ruff check skill local_runner tests bench
	$(PY) -m mypy

## The test command (.ci/run runs exactly this).
test: lint
	$(PY) -m pytest

bench: setup
	$(PY) bench/nlu_accuracy.py

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache
