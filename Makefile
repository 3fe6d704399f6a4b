# pathmatch: the two newcomer commands are `make demo` and `make test`; each sets itself up.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        := .venv
PY          := $(VENV)/bin/python
PATHMATCH   := $(VENV)/bin/pathmatch
UV_VERSION  := 0.13.9
UV          := .tools/bin/uv
DEMO_HOME   ?= $(CURDIR)/.demo
SHARED_DATA ?= $(CURDIR)/../shared/data
STAMP       := $(VENV)/.installed

export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: help install demo test bench lint clean

help:
	@echo "make demo    run the whole job on the embedded demo data (sets itself up)"
	@echo "make test    run the test suite (sets itself up)"
	@echo "make bench   run the benchmarks in experiments/"
	@echo "make lint    ruff check, ruff format --check and mypy (CI runs it before the tests)"
	@echo "make install create .venv from uv.lock (idempotent)"

$(UV):
	python3 -m venv .tools
	.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

# The stamp makes `install` idempotent: it reruns only when the lock or project changes.
$(STAMP): $(UV) pyproject.toml uv.lock
	$(UV) sync --locked --python python3
	@touch $(STAMP)

install: $(STAMP)

# The whole job on the embedded demo data; models train only when none are registered yet.
demo: install
	@export PATHMATCH_HOME=$(DEMO_HOME); set -e; \
	echo "== 1. import the demo data (official formats) into a bundle"; \
	$(PATHMATCH) import --data demo/data --out $(DEMO_HOME)/bundle; \
	echo "== 2. train small NLP models (titles, linker, detector) on Ray, registered in MLflow"; \
	$(PATHMATCH) train nlp --demo --if-missing; \
	echo "== 3. normalize job titles"; \
	$(PATHMATCH) titles --input demo/samples/titles.txt --top-k 3; \
	echo "== 4. extract skills from intake notes"; \
	$(PATHMATCH) extract --kind intake --input demo/samples/intake.jsonl --top-k 5 \
	  --output $(DEMO_HOME)/intake_skills.jsonl; \
	$(PY) demo/show_extract.py $(DEMO_HOME)/intake_skills.jsonl; \
	echo "== 5. regional demand in NJ"; \
	$(PATHMATCH) demand --region NJ; \
	$(PATHMATCH) sectors --region NJ --cluster "Healthcare & Human Services" --supply; \
	echo "== 6. program-outcome model (Ray search, MLflow), then NJ programs"; \
	$(PATHMATCH) train outcome; \
	$(PATHMATCH) programs --region NJ --occupation 29-2061.00; \
	echo "== 7. occupation-transition ranker (LambdaRank, Ray search, MLflow), then moves from CNA"; \
	$(PATHMATCH) train transitions --demo --if-missing; \
	$(PATHMATCH) transitions --from "certified nursing assistant" --top-k 5; \
	echo "== 8. score the demo caseload on Ray: referrals, rejects, disparity summary"; \
	$(PATHMATCH) score --input demo/data/participants/demo_caseload.csv \
	  --output $(DEMO_HOME)/referrals.parquet --top-k 5; \
	echo "== 8b. the health-care pathway map (CNA -> LPN -> RN, the rung with no program) and who the scored caseload is referred into it"; \
	$(PATHMATCH) pathway-map --region NJ --cluster "Healthcare & Human Services" --out $(DEMO_HOME)/pathway_map \
	  --scored $(DEMO_HOME)/referrals.parquet --caseload demo/data/participants/demo_caseload.csv; \
	echo "== 9. the API: start it, ask for referrals and a pathway, stop it"; \
	$(PY) demo/demo_api.py \
	  --caseload demo/data/participants/demo_caseload.csv --ids DEMO-P043 DEMO-P006; \
	echo "== 10. curriculum gap report for the manufacturing program"; \
	$(PATHMATCH) gaps --courses demo/data/courses/mercer_catalog_demo/advanced_manufacturing.json \
	  --occupation 51-4041.00 --occupation 51-9161.00 --occupation 49-9041.00 --region NJ \
	  --out $(DEMO_HOME)/gaps --top-k 10; \
	echo "== 11. the web app (case managers, colleges, analysts): start it, then open it"; \
	echo "   PATHMATCH_HOME=$(DEMO_HOME) PATHMATCH_API_KEYS=choose-a-key $(PATHMATCH) serve"; \
	echo "   open http://127.0.0.1:8000/ and sign in with that key (Ctrl-C stops the server)"

# Two workers, one test file each at a time (module fixtures stay shared within a file):
# most tests wait on subprocesses, servers and Ray, so 2 cores run the suite in ~8.5 min
# instead of ~14 (measured on a fresh clone with CI=true).
test: install
	$(VENV)/bin/pytest -q -n 2 --dist loadfile --durations=15

# Benchmarks print figures on the real data in ../shared/data (imported into .bench/ first)
# and on the demo data; the detector benchmark trains one into .bench/ when none is there.
BENCH_HOME ?= $(CURDIR)/.bench
BENCHES := import titles linking spans extraction_speed demand outcome_model api course_tags referral_ranker transitions batch cold_start
bench: install
	@set -e; export PATHMATCH_HOME=$(BENCH_HOME) PATHMATCH_BUNDLE=$(BENCH_HOME)/bundle \
	  PATHMATCH_DETECTOR_DIR=$(BENCH_HOME)/detector; \
	test -f $(BENCH_HOME)/bundle/manifest.json || \
	  $(PATHMATCH) import --data $(SHARED_DATA) --out $(BENCH_HOME)/bundle; \
	for name in $(BENCHES); do echo "== experiments/bench_$$name.py"; \
	  $(PY) experiments/bench_$$name.py; done

# Lint, format and type checks, all three reported even when one fails (mypy's files and
# settings are in pyproject.toml [tool.mypy]); `ruff format` without --check fixes the format.
LINT_PATHS := matching features training serving experiments tests demo
lint: install
	@status=0; \
	echo "== ruff check"; $(VENV)/bin/ruff check $(LINT_PATHS) || status=1; \
	echo "== ruff format --check"; $(VENV)/bin/ruff format --check $(LINT_PATHS) || status=1; \
	echo "== mypy"; $(VENV)/bin/mypy || status=1; \
	exit $$status

clean:
	rm -rf $(VENV) .tools .demo .bench .pytest_cache
