"""The zero-latency benchmark engine: named as such, fixed output, no model needed (engine.kind=instant)."""

from __future__ import annotations

from qrw.config import load_config
from qrw.engine import Decoding, get_engine
from qrw.engine.instant import INSTANT_CANDIDATES, INSTANT_MODEL_VERSION, INSTANT_RELEVANCE, InstantEngine
from qrw.rewrite.postprocess import clean_candidates


def test_instant_engine_is_fixed_named_and_needs_no_model():
    cfg = load_config(None, ["engine.kind=instant"])
    # Cached like every engine (nothing to close); close_engines() here would also close the
    # session's HF and vLLM engines that later engine tests share.
    engine = get_engine(cfg.engine, "instant")
    queries0, pairs0 = engine.stats.queries, engine.stats.pairs
    assert isinstance(engine, InstantEngine) and engine.model_version == INSTANT_MODEL_VERSION
    assert "instant" in repr(engine) and engine.kind == "instant"
    out = engine.generate(["red shoes", "kettle"], Decoding(num_candidates=4))
    assert [[c.text for c in cands] for cands in out] == [list(INSTANT_CANDIDATES[:4])] * 2
    assert [c.logprob for c in out[0]] == sorted((c.logprob for c in out[0]), reverse=True)
    # Nothing is dropped by the job's sanitizer: every candidate reaches score().
    assert len(clean_candidates("red shoes", out[0], 96)) == 4
    assert engine.score([("red shoes", "x")] * 3) == [INSTANT_RELEVANCE] * 3
    assert engine.stats.queries - queries0 == 2 and engine.stats.pairs - pairs0 == 3
    assert len({c.text for c in engine.generate(["q"], Decoding(num_candidates=12))[0]}) == 12
