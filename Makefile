# Every set-up step a fresh machine needs lives here, so `make run` and `make test` work on a
# clean clone with nothing installed but Python 3.11+.
VENV ?= .venv
PY := $(VENV)/bin/python
EXTRAS ?= dev

HOST ?= 127.0.0.1
PORT ?= 8000
GUNICORN_ARGS ?= --workers 2 --threads 4
# Checks KindWell's configuration once, before any worker boots: a mistake is one sentence, then exit 2.
GUNICORN_CONFIG := -c python:skill.web.gunicorn_config


# Debian packages the offline voice and its tests need: espeak-ng speaks, PortAudio plays and
# records, PulseAudio (null sink + virtual source) and the ALSA pulse plugin give the tests real
# audio devices on a machine without a sound card; Chromium runs the listening page's browser test.
SYSTEM_PACKAGES := espeak-ng libespeak-ng1 libportaudio2 libsndfile1 pulseaudio pulseaudio-utils \
	libasound2-plugins alsa-utils chromium

.PHONY: setup system-deps run nlu-demo test lint bench bench-endpoint train lambda-package clean

$(VENV)/.installed-$(EXTRAS): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[$(EXTRAS)]'
	touch $@

setup: $(VENV)/.installed-$(EXTRAS)

## Install missing Debian packages (skipped when all are installed; needs root or sudo).
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null; then echo "Install these packages:$$missing" >&2; exit 1; fi; \
	sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	echo "Installing$$missing"; \
	$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing

## The main job: validate the skill package, then serve the Alexa endpoint with gunicorn.
## Requests are verified when KINDWELL_SKILL_ID is set; without it the endpoint serves loopback only,
## unverified, for local trials, and says so loudly.
run: setup
	$(VENV)/bin/kindwell export-model build/alexa
ifdef KINDWELL_SKILL_ID
	$(VENV)/bin/gunicorn $(GUNICORN_CONFIG) $(GUNICORN_ARGS) --bind $(HOST):$(PORT) 'skill.web:create_app()'
else
	@echo "KINDWELL_SKILL_ID is not set: serving UNVERIFIED on 127.0.0.1:$(PORT), for local trials only."
	KINDWELL_VERIFY=0 $(VENV)/bin/gunicorn $(GUNICORN_CONFIG) $(GUNICORN_ARGS) --bind 127.0.0.1:$(PORT) 'skill.web:create_app()'
endif

## Understand a few sample utterances with the offline matcher.
nlu-demo: setup
	$(VENV)/bin/kindwell nlu < examples/utterances.txt

## Style, types, and the import contracts that keep the layers apart ([tool.importlinter] in pyproject.toml).
lint: setup
	$(PY) -m ruff check skill local_runner testkit tests bench
	$(PY) -m mypy
	$(VENV)/bin/lint-imports

## The test command (.ci/run runs exactly this).
test: system-deps lint
	$(PY) -m pytest

bench: system-deps setup
	$(PY) bench/nlu_accuracy.py
	$(PY) bench/care_accuracy.py
	$(PY) bench/cold_start.py
	$(PY) bench/voice_latency.py
	$(PY) bench/bells.py

## Endpoint throughput and latency next to a bare Flask echo (installs wrk when it can).
bench-endpoint: setup
	command -v wrk >/dev/null || (apt-get install -y -qq wrk >/dev/null 2>&1 || true)
	$(PY) bench/endpoint.py

## Fit the care and paraphrase classifiers on prompts/ and write skill/weights/ (commit the result).
train: setup
	$(VENV)/bin/kindwell train

## The AWS Lambda package in build/lambda-package/ (checked under 250 MB and run once on its own).
lambda-package: setup
	rm -rf build/lambda-package
	$(PY) bench/lambda_size.py --keep build/lambda-package

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache
