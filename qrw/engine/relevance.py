"""The relevance model (:mod:`qrw.relevance_model`) behind the engine interface, as a scorer only.

Not an LLM: gradient-boosted trees over lexical features, on the executor's CPU. The
engine factory serves a ``qrw train relevance`` directory as this class (whatever
``engine.kind`` says), so ``rewrite.scorer_model`` can name it and the batch job's
scoring, golden-pair check and per-partition counters treat it like a second engine
in the same Python worker.
"""

from __future__ import annotations

import time
from pathlib import Path

from .. import relevance_model
from ..errors import QrwError
from .base import Candidate, Decoding, EngineStats, LabelScoring


class RelevanceScorer(LabelScoring):
    """``score`` / ``label_probs`` / ``stats`` of an engine, for a relevance model directory."""

    accelerator = "cpu"

    def __init__(self, model_dir: str | Path, device: str | None = None):
        started = time.perf_counter()
        self.model, manifest = relevance_model.load(model_dir)
        self.model_version = str(manifest["model_version"])
        self.device = device
        self.stats = EngineStats()
        self.engine_start_seconds = time.perf_counter() - started

    def label_probs(self, pairs: list[tuple[str, str]]) -> list[dict[int, float]]:
        return relevance_model.label_probs(self.model, pairs)

    def generate(self, queries: list[str], decoding: Decoding) -> list[list[Candidate]]:
        raise QrwError("a relevance model only scores (rewrite.scorer_model); the policy generates the rewrites")

    def close(self) -> None:
        self.model = None
