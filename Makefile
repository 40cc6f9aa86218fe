# qrw: `make demo` runs the whole pipeline on the embedded sample world; `make test` runs the suite.
PY      := .venv/bin/python
PYTEST  := .venv/bin/pytest
export TOKENIZERS_PARALLELISM := false
export VLLM_CPU_KVCACHE_SPACE ?= 1

.PHONY: setup demo test test-fast test-ablation clean

setup: ## create .venv with everything (idempotent; seconds when already done)
	@bash scripts/setup_env.sh

demo: setup ## the whole pipeline on the sample world, output in ./qrw-data
	$(PY) -m qrw.cli demo

test: setup ## the full suite: real Spark, Delta, standalone cluster, vLLM on a tiny model
	$(PYTEST) -q --durations=30

test-fast: setup ## skip the slow (training/engine) and cluster tests
	$(PYTEST) -q -m "not slow and not cluster"

test-ablation: setup ## scripts/ablation.py end to end on a tiny config (six pipelines; long)
	QRW_TEST_ABLATION=1 $(PYTEST) -q tests/eval/test_ablation.py

clean:
	rm -rf qrw-data .pytest_cache spark-warehouse
