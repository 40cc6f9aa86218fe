"""FakeEngine: deterministic, visibly fake, and able to fail on demand (for the batch job's unit tests)."""

from __future__ import annotations

import pytest

from qrw.engine import Decoding, Engine, EngineError, FakeEngine, get_engine
from qrw.engine.fake import fake_relevance
from qrw.normalize import normalize


def test_fake_is_an_engine_and_says_it_is_fake():
    engine = FakeEngine()
    assert isinstance(engine, Engine)
    assert "fake" in engine.model_version and "Fake" in repr(engine)


def test_generate_is_deterministic_ordered_and_bounded_by_n():
    engine = FakeEngine(table={"Running Shoes!": ["running sneakers", "jogging shoes"]})
    queries = ["running shoes", "nike hoodie", ""]
    first = engine.generate(queries, Decoding(num_candidates=3))
    assert first == FakeEngine(table={"running shoes": ["running sneakers", "jogging shoes"]}).generate(queries, Decoding(num_candidates=3))
    assert [c.text for c in first[0]][:2] == ["running sneakers", "jogging shoes"]  # table first, by normalize()
    assert all(len(cands) <= 3 for cands in first)
    # same query in another position gives the same candidates: results follow input order
    swapped = engine.generate(list(reversed(queries)), Decoding(num_candidates=3))
    assert swapped == list(reversed(first))
    for cands in first:
        lps = [c.logprob for c in cands]
        assert lps == sorted(lps, reverse=True) and all(lp <= 0 for lp in lps)


def test_generate_can_echo_the_query_so_the_batch_job_must_drop_identities():
    cands = FakeEngine().generate(["mens t-shirt"], Decoding(num_candidates=10))[0]
    assert normalize("mens t-shirt") in [c.text for c in cands]


def test_score_is_word_overlap_in_unit_interval():
    engine = FakeEngine()
    pairs = [("nike running shoes", "nike running shoes"), ("nike running shoes", "nike shoes"), ("nike", "lego"), ("", "")]
    scores = engine.score(pairs)
    assert scores == [1.0, pytest.approx(2 / 3), 0.0, 0.0]
    assert scores == [fake_relevance(q, r) for q, r in pairs]


def test_injected_failures_always_or_first_k_times():
    always = FakeEngine(fail_on=["BOOM"])
    with pytest.raises(EngineError, match="injected failure"):
        always.generate(["ok", "xx BOOM xx"], Decoding(num_candidates=2))
    with pytest.raises(EngineError):
        always.score([("ok", "BOOM")])
    assert always.generate(["ok"], Decoding(num_candidates=2))  # queries without the marker still work

    once = FakeEngine(fail_on=["BOOM"], fail_times=1)
    with pytest.raises(EngineError):
        once.generate(["BOOM"], Decoding(num_candidates=2))
    assert once.generate(["BOOM"], Decoding(num_candidates=2))  # a retry succeeds: what Spark's task retry needs


def test_stats_count_work():
    engine = FakeEngine()
    engine.generate(["a b", "c"], Decoding(num_candidates=2))
    engine.score([("a", "b")] * 3)
    snap = engine.stats.snapshot()
    assert snap["queries"] == 2 and snap["pairs"] == 3 and snap["generated_tokens"] > 0
    assert snap["generate_calls"] == 1 and snap["score_calls"] == 1


def test_get_engine_fake_kind_is_cached_records_device_and_reads_fail_switch(cfg):
    ecfg = cfg.engine.model_copy(update={"kind": "fake", "fake_fail_on": ["BOOM"]})
    first = get_engine(ecfg, "fake-model", device="1")
    assert get_engine(ecfg, "fake-model", device="1") is first
    assert first.device == "1" and first.engine_start_seconds == 0.0
    with pytest.raises(EngineError):
        first.generate(["BOOM"], Decoding(num_candidates=1))
    # a change of call-time settings only does not create a second engine
    assert get_engine(ecfg.model_copy(update={"temperature": 0.1}), "fake-model") is first
    other = get_engine(cfg.engine.model_copy(update={"kind": "fake"}), "fake-model")
    assert other is not first and other.generate(["BOOM"], Decoding(num_candidates=1))


def test_get_engine_fake_on_a_model_dir_takes_its_version_prefixed_fake(cfg, tiny_model_dir):
    from qrw.manifest import read_manifest

    engine = get_engine(cfg.engine.model_copy(update={"kind": "fake"}), tiny_model_dir)
    assert engine.model_version == "fake:" + read_manifest(tiny_model_dir)["model_version"]
