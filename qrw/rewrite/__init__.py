"""The nightly batch job (``qrw rewrite``): distinct new queries -> engines on Spark -> rewrite_dictionary.

Modules, one job each: :mod:`.selection` (which queries), :mod:`.sharding` (one
partition per engine slot), :mod:`.resources` (GPU resource profile),
:mod:`.infer` (the mapInArrow task), :mod:`.postprocess` (sanitize, dedupe, rank),
:mod:`.writer` (staging + MERGE), :mod:`.runs` (run id, runs table) and
:mod:`.job` (orchestration). Import the entry point lazily: ``from qrw.rewrite.job import run_rewrite``.
"""
