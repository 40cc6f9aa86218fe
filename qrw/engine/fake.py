"""FakeEngine: a deterministic stand-in, ONLY for fast unit tests of the code around an engine.

Why it exists: the batch job's selection, sharding, ranking, MERGE and retry logic
deserves tests that run in milliseconds; the real engines (vllm, hf) have their own
tests on a real model and the batch job must also be tested once on vLLM. Nothing
here imitates a language model's quality; outputs are simple, predictable edits
of the query, so a test can compute the expected dictionary by hand.

- generate: a lookup table (query_norm -> rewrites) first, then edits
  (plural/singular flip, dropped filler words, brand-less tail, echo of the query);
  logprob falls with the candidate's rank, so the order is meaningful.
- score: word overlap (Jaccard) of the normalized query and rewrite, in [0, 1].
- failures: queries containing any ``fail_on`` substring raise :class:`EngineError`,
  either always or only the first ``fail_times`` times (to exercise Spark retries
  inside one process).
"""

from __future__ import annotations

import time

from ..normalize import normalize
from .base import Candidate, Decoding, EngineError, EngineStats

FAKE_MODEL_VERSION = "fake-engine-v1"

_FILLER = {"cheap", "best", "for", "the", "a", "new", "buy", "good"}


def fake_relevance(query: str, rewrite: str) -> float:
    """Jaccard word overlap of the normalized texts; 1.0 for two empty strings is avoided (0.0)."""
    q, r = set(normalize(query).split()), set(normalize(rewrite).split())
    if not q or not r:
        return 0.0
    return len(q & r) / len(q | r)


def _flip_plural(words: list[str]) -> list[str]:
    if not words:
        return words
    last = words[-1]
    last = last[:-1] if last.endswith("s") and len(last) > 3 else last + "s"
    return words[:-1] + [last]


def fake_rewrites(query: str, table: dict[str, list[str]] | None = None) -> list[str]:
    """Every distinct rewrite the fake can produce for ``query``, best first (may echo the query)."""
    qn = normalize(query)
    words = qn.split()
    out: list[str] = list((table or {}).get(qn, []))
    edits = [
        " ".join(_flip_plural(words)),
        " ".join(w for w in words if w not in _FILLER),
        " ".join(words[1:]),
        qn,  # an echo: the batch job must drop identity rewrites itself
    ]
    for text in edits:
        if text not in out:
            out.append(text)
    return out


class FakeEngine:
    """Deterministic fake engine (named as such everywhere it shows up: model_version, repr)."""

    kind = "fake"

    def __init__(
        self,
        table: dict[str, list[str]] | None = None,
        *,
        model_version: str = FAKE_MODEL_VERSION,
        fail_on: list[str] | tuple[str, ...] = (),
        fail_times: int | None = None,
        device: str | None = None,
    ) -> None:
        self.table = {normalize(k): list(v) for k, v in (table or {}).items()}
        self.model_version = model_version
        self.fail_on = tuple(fail_on)
        #: None: fail every time; k: fail only the first k matching calls.
        self.fail_times = fail_times
        self.failures = 0
        self.device = device
        self.engine_start_seconds = 0.0
        self.stats = EngineStats()
        self.closed = False

    def __repr__(self) -> str:
        return f"FakeEngine(model_version={self.model_version!r}, fail_on={self.fail_on!r})"

    def _maybe_fail(self, texts: list[str]) -> None:
        if self.closed:
            raise EngineError("FakeEngine is closed")
        hit = next((t for t in texts for s in self.fail_on if s and s in t), None)
        if hit is None:
            return
        if self.fail_times is not None and self.failures >= self.fail_times:
            return
        self.failures += 1
        raise EngineError(f"FakeEngine: injected failure on {hit[:60]!r} (fail_on={self.fail_on!r})")

    def generate(self, queries: list[str], decoding: Decoding) -> list[list[Candidate]]:
        t0 = time.perf_counter()
        n = decoding.num_candidates
        self._maybe_fail(list(queries))
        out = []
        for q in queries:
            cands = []
            for rank, text in enumerate(fake_rewrites(q, self.table)[:n]):
                ntok = max(1, len(text.split()))
                cands.append(Candidate(text=text, logprob=-0.1 * (rank + 1), num_tokens=ntok))
                self.stats.generated_tokens += ntok
            self.stats.prompt_tokens += len(normalize(q).split())
            out.append(cands)
        self.stats.generate_calls += 1
        self.stats.queries += len(queries)
        self.stats.generate_seconds += time.perf_counter() - t0
        return out

    def score(self, pairs: list[tuple[str, str]]) -> list[float]:
        t0 = time.perf_counter()
        self._maybe_fail([q for q, _ in pairs] + [r for _, r in pairs])
        out = [fake_relevance(q, r) for q, r in pairs]
        self.stats.score_calls += 1
        self.stats.pairs += len(pairs)
        self.stats.score_seconds += time.perf_counter() - t0
        return out

    def close(self) -> None:
        self.closed = True
