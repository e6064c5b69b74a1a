# The front door. `make run` serves the bot; `make test` installs, trains and runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

# Configuration (override in the environment; see README.md).
export ACTION_PORT ?= 5055
export RASA_PORT ?= 5005
export WEB_PORT ?= 8000
export ACTION_SERVER_URL ?= http://127.0.0.1:$(ACTION_PORT)/webhook
export TRACKER_STORE_URL ?= sqlite:///var/tracker.db
export LOCK_STORE_TYPE ?= in_memory
export REDIS_HOST ?= localhost
export REDIS_PORT ?= 6379
export REDIS_DB ?= 1
# The page's origin is Rasa's only CORS origin; RASA_PUBLIC_URL is Rasa as the browser reaches it.
export WEB_ORIGIN ?= http://127.0.0.1:$(WEB_PORT)
export RASA_PUBLIC_URL ?= http://127.0.0.1:$(RASA_PORT)
# Quiet TensorFlow's start-up noise and keep every library off the network.
export TF_CPP_MIN_LOG_LEVEL ?= 3
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export PYTHONDONTWRITEBYTECODE := 1
# Rasa's telemetry and its Sentry crash reports are on by default and can carry conversation
# details off the machine: a hospital deployment sends nothing.
export RASA_TELEMETRY_ENABLED := false
# Rasa imports the project's own NLU component (bot.emergency) and both envs import knowledge/.
export PYTHONPATH := $(CURDIR)

VENV := .venv
RASA_ENV := $(VENV)/rasa
ACTION_ENV := $(VENV)/actions
RASA := $(RASA_ENV)/bin/rasa
RASA_PY := $(RASA_ENV)/bin/python
ACTION_PY := $(ACTION_ENV)/bin/python
LOG := var/log

SPACY_MODEL := build/spacy/en_caregiver
GENERATED_NLU := build/data/nlu_knowledge.yml
MODEL := models/caregiver.tar.gz
ENCODER := build/minilm/model.sha256
# The encoders in ONNX, as both servers run them (knowledge/minilm.py); the official one for comparisons.
ONNX := build/minilm/onnx.json build/minilm-stock/onnx.json
# contacts.yml (deployment settings) and deferrals.yml (read by the action server) train nothing.
KNOWLEDGE := $(filter-out knowledge/contacts.yml knowledge/deferrals.yml,$(wildcard knowledge/*.yml)) knowledge/loader.py knowledge/generate.py
RASA_DATA := nlu stories build/data
RASA_PATHS := --domain bot/domain.yml --config config.yml

# A Python that really is the version asked for (a pyenv shim may exist but fail to run).
find_python = $(shell for p in python$(1) $$(pyenv root 2>/dev/null)/versions/$(1).*/bin/python; do \
  $$p -c 'import sys; sys.exit(sys.version_info[:2] != tuple(map(int, "$(1)".split("."))))' 2>/dev/null \
  && { command -v $$p; break; }; done)
PY310 := $(call find_python,3.10)
PY311 := $(call find_python,3.11)

.PHONY: help install train run test evaluate bench fuzz worst-case kb-report requests system-deps clean

help:
	@echo "make run    install if needed, train if needed, serve the bot and its web page"
	@echo "make test   install, train and run every test"
	@echo "make evaluate   5-fold cross-validation, the dev set and the frozen test set (questions and"
	@echo "                conversations) through the real servers (results/evaluate/<file name>/)"
	@echo "                QUESTIONS=file.yml sends any question file instead of tests/dev_set.yml;"
	@echo "                TEST_QUESTIONS= TEST_CONVERSATIONS= leave the test set out"
	@echo "make bench      latency, throughput, memory, start-up, training and knowledge-edit time, beside the stock"
	@echo "                rasa init pipeline (about an hour on 2 cores, training both; results/bench/); ARGS=--quick for a short check"
	@echo "make fuzz       10,000 hostile requests to the REST channel of the real servers (results/fuzz/report.md;"
	@echo "                CASES=n for another number, about 20 minutes for 10,000)"
	@echo "make worst-case what the worst texts cost each server, by length (results/worst_case/report.md)"
	@echo "make kb-report  render the knowledge base for clinical reviewers (results/kb-report.html)"
	@echo "make requests ARGS=list|'export --out file.csv'|'purge --older-than-days N'  interpreter requests, for staff"
	@echo "make train  build the spaCy pipeline and train the Rasa model (skips when nothing changed)"

# --- environments: reinstalled only when their requirements file changes -------------------
# $(call make_env,DIR,PYTHON,REQUIREMENTS,LABEL,VERSION): a fresh venv with exactly the pinned packages.
define make_env
	@test -n "$(2)" || { echo "Python $(5) not found. Install it (for example 'pyenv install $(5)') and run make again." >&2; exit 1; }
	@echo "Creating the $(4) environment in $(1); log: $(LOG)/install-$(notdir $(1)).log"
	@mkdir -p $(LOG) && rm -rf $(1) && $(2) -m venv $(1)
	@$(1)/bin/python -m pip install --no-deps -r $(3) > $(LOG)/install-$(notdir $(1)).log 2>&1 \
	  || { tail -n 30 $(LOG)/install-$(notdir $(1)).log; exit 1; }
	@touch $@
endef

$(RASA_ENV)/.installed: requirements/rasa.txt
	$(call make_env,$(RASA_ENV),$(PY310),$<,Rasa (Python 3.10),3.10.13)

$(ACTION_ENV)/.installed: requirements/actions.txt
	$(call make_env,$(ACTION_ENV),$(PY311),$<,action-server (Python 3.11),3.11.7)

install: $(RASA_ENV)/.installed $(ACTION_ENV)/.installed

# --- training: each step runs only when its inputs changed ----------------------------------
$(SPACY_MODEL)/meta.json: $(KNOWLEDGE) bot/spacy_pipeline.py $(RASA_ENV)/.installed
	@echo "Building the spaCy pipeline in $(SPACY_MODEL)"
	@mkdir -p $(LOG) && $(RASA_PY) bot/spacy_pipeline.py $(SPACY_MODEL) > $(LOG)/spacy.log 2>&1 || { tail -n 30 $(LOG)/spacy.log; exit 1; }

$(GENERATED_NLU): $(KNOWLEDGE) bot/training_data.py $(RASA_ENV)/.installed
	@$(RASA_PY) bot/training_data.py $@

# The retrieval encoder, fine-tuned on the knowledge base from the sha256-checked official weights
# (actions/finetune_encoder.py, CPU torch: the action-server environment). Both servers use it.
$(ENCODER): $(KNOWLEDGE) nlu/out_of_scope.yml actions/finetune_encoder.py knowledge/minilm_weights.py $(ACTION_ENV)/.installed
	@echo "Fine-tuning the MiniLM encoder on the knowledge base (a few minutes on 2 cores); log: $(LOG)/finetune.log"
	@mkdir -p $(LOG) && $(ACTION_PY) -m actions.finetune_encoder build/minilm > $(LOG)/finetune.log 2>&1 \
	  || { tail -n 30 $(LOG)/finetune.log; exit 1; }

# Exported once from the checked weights and checked against sentence-transformers (actions/export_encoder.py).
build/minilm/onnx.json: $(ENCODER) actions/export_encoder.py knowledge/minilm.py
	@mkdir -p $(LOG) && $(ACTION_PY) -m actions.export_encoder finetuned > $(LOG)/export-finetuned.log 2>&1 \
	  || { tail -n 30 $(LOG)/export-finetuned.log; exit 1; }

build/minilm-stock/onnx.json: actions/export_encoder.py knowledge/minilm.py knowledge/minilm_weights.py $(ACTION_ENV)/.installed
	@mkdir -p $(LOG) && $(ACTION_PY) -m actions.export_encoder stock > $(LOG)/export-stock.log 2>&1 \
	  || { tail -n 30 $(LOG)/export-stock.log; exit 1; }

$(MODEL): $(ONNX) $(SPACY_MODEL)/meta.json $(GENERATED_NLU) bot/emergency.py bot/follow_up.py bot/language.py knowledge/language.py knowledge/phrasing.py bot/minilm_featurizer.py $(wildcard nlu/*.yml stories/*.yml) bot/domain.yml config.yml
	@echo "Training the Rasa model; log: $(LOG)/train.log"
	@$(RASA) train --data $(RASA_DATA) $(RASA_PATHS) --out models --fixed-model-name caregiver \
	  > $(LOG)/train.log 2>&1 || { tail -n 40 $(LOG)/train.log; exit 1; }
	@touch $@

train: install $(MODEL)

# --- serving -----------------------------------------------------------------------------
# One compute thread per server (see compute_threads in bot/servers.py); training keeps them all.
SERVER_THREADS ?= 1
SERVE_ENV := $(foreach name,OMP_NUM_THREADS OPENBLAS_NUM_THREADS MKL_NUM_THREADS TF_NUM_INTRAOP_THREADS TF_NUM_INTEROP_THREADS,$(name)=$(SERVER_THREADS))

run: train
	@mkdir -p $(LOG)
	@$(SERVE_ENV) $(RASA_ENV)/bin/honcho -f Procfile start

# --- system packages ---------------------------------------------------------------------
# Debian's PostgreSQL (the tests store interpreter requests in a real server) and Chromium (the
# browser tests drive it headless). Installed with apt when missing; never a downloaded browser.
APT_PACKAGES := $(if $(wildcard /usr/lib/postgresql/*/bin/initdb),,postgresql) $(if $(wildcard /usr/bin/chromium),,chromium)

system-deps:
	@mkdir -p $(LOG)
	@test -z "$(strip $(APT_PACKAGES))" || { \
	  test "$$(id -u)" = 0 || { echo "Missing: $(strip $(APT_PACKAGES)). Run 'sudo apt-get install $(strip $(APT_PACKAGES))', then make again." >&2; exit 1; }; \
	  echo "Installing Debian's $(strip $(APT_PACKAGES)); log: $(LOG)/apt.log"; \
	  { DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(APT_PACKAGES) \
	    || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(APT_PACKAGES); }; } \
	    > $(LOG)/apt.log 2>&1 || { tail -n 20 $(LOG)/apt.log; exit 1; }; }

# axe-core for the accessibility checks, pinned by package-lock.json.
node_modules/.installed: package.json package-lock.json
	@command -v npm > /dev/null || { echo "npm is missing: run 'sudo apt-get install npm', then make again." >&2; exit 1; }
	@mkdir -p $(LOG) && npm ci --no-audit --no-fund > $(LOG)/npm.log 2>&1 || { tail -n 20 $(LOG)/npm.log; exit 1; }
	@touch $@

# --- interpreter requests (staff) -----------------------------------------------------------
# make requests ARGS="list" | ARGS="export --out requests.csv" | ARGS="purge --older-than-days 30"
requests: $(ACTION_ENV)/.installed
	@$(ACTION_PY) -m actions.staff $(or $(ARGS),list)

# --- tests -------------------------------------------------------------------------------
test: train system-deps node_modules/.installed
	@$(ACTION_ENV)/bin/pytest

# --- evaluation --------------------------------------------------------------------------
QUESTIONS ?= tests/dev_set.yml
CONVERSATIONS ?= tests/conversations_dev.yml
# The frozen test set: reported beside the dev set, never calibrated or tuned on.
TEST_QUESTIONS ?= tests/test_set.yml
TEST_CONVERSATIONS ?= tests/conversations_test.yml
EVAL_CONFIG := build/config_eval.yml
EVAL_NLU := build/eval_nlu
CV_REPORT := results/cv/intent_report.json

$(EVAL_CONFIG): config.yml evaluation/eval_config.py $(RASA_ENV)/.installed
	@$(RASA_PY) -m evaluation.eval_config config.yml $@

# Cross-validation reruns only when the NLU data, the pipeline or its config changed.
$(CV_REPORT): $(EVAL_CONFIG) $(ONNX) $(SPACY_MODEL)/meta.json $(GENERATED_NLU) $(wildcard nlu/*.yml) bot/emergency.py bot/follow_up.py bot/language.py knowledge/language.py knowledge/phrasing.py bot/minilm_featurizer.py
	@echo "5-fold cross-validation of the NLU (about 20 minutes on 2 cores); log: $(LOG)/cv.log"
	@rm -rf $(EVAL_NLU) && mkdir -p $(EVAL_NLU) && cp nlu/*.yml $(GENERATED_NLU) $(EVAL_NLU)/
	@$(RASA) test nlu --nlu $(EVAL_NLU) --config $(EVAL_CONFIG) --domain bot/domain.yml --cross-validation \
	  --folds 5 --out results/cv > $(LOG)/cv.log 2>&1 || { tail -n 40 $(LOG)/cv.log; exit 1; }

evaluate: train $(CV_REPORT)
	@echo "Sending $(QUESTIONS) $(CONVERSATIONS) (calibration), $(TEST_QUESTIONS) $(TEST_CONVERSATIONS) (frozen test) through the real servers"
	@$(ACTION_PY) -m evaluation.run --questions $(QUESTIONS) $(if $(CONVERSATIONS),--conversations $(CONVERSATIONS)) \
	  $(if $(TEST_QUESTIONS),--test-questions $(TEST_QUESTIONS)) \
	  $(if $(TEST_CONVERSATIONS),--test-conversations $(TEST_CONVERSATIONS)) --out results/evaluate --cv results/cv
	@$(RASA_PY) -m evaluation.plots results/evaluate

# --- benchmark ---------------------------------------------------------------------------
# Not a test: it writes results/bench/bench.json and bench.md. `make test` runs its --quick mode.
bench: train
	@$(ACTION_PY) -m evaluation.bench $(ARGS)

# --- robustness --------------------------------------------------------------------------
# The fuzz of `make test` (2,000 cases) with 10,000 cases and a report.
fuzz: train system-deps
	@mkdir -p results/fuzz
	@FUZZ_CASES=$(or $(CASES),10000) FUZZ_REPORT=results/fuzz/report.md $(ACTION_ENV)/bin/pytest -q -p no:cacheprovider \
	  tests/test_fuzz_channel.py && cat results/fuzz/report.md

# Each server's own environment and thread setting, as `make run` serves them.
worst-case: train
	@mkdir -p results/worst_case
	@$(SERVE_ENV) $(RASA_PY) -m evaluation.worst_case rasa --out results/worst_case/rasa.json > $(LOG)/worst-case.log 2>&1
	@$(SERVE_ENV) $(ACTION_PY) -m evaluation.worst_case actions --out results/worst_case/actions.json >> $(LOG)/worst-case.log 2>&1
	@$(ACTION_PY) -m evaluation.worst_case report results/worst_case

# --- content review ----------------------------------------------------------------------
kb-report: $(ACTION_ENV)/.installed
	@$(ACTION_PY) -m knowledge.report results/kb-report.html

clean:
	rm -rf build models var .pytest_cache node_modules
