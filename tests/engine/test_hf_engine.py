"""The transformers engine on the tiny model: shapes, likelihoods, relevance math, hostile input."""

from __future__ import annotations

import math

import pytest

from qrw.engine import Decoding, Engine, get_engine
from qrw.manifest import read_manifest
from qrw.prompts import relevance_from_probs, relevance_messages

QUERIES = ["nike running shoes", "usb c cable 2m", "lego kids toys"]


def test_is_an_engine_with_manifest_version_and_start_time(hf_engine, tiny_model_dir):
    assert isinstance(hf_engine, Engine)
    assert hf_engine.model_version == read_manifest(tiny_model_dir)["model_version"]
    assert hf_engine.engine_start_seconds > 0


def test_get_engine_returns_the_cached_instance(hf_engine, engine_cfg, tiny_model_dir):
    assert get_engine(engine_cfg.model_copy(update={"kind": "hf"}), tiny_model_dir) is hf_engine
    assert get_engine(engine_cfg.model_copy(update={"kind": "hf", "decoding": "beam"}), tiny_model_dir) is hf_engine


def test_sampling_gives_n_candidates_with_valid_likelihoods(hf_engine, engine_cfg):
    out = hf_engine.generate(QUERIES, Decoding(num_candidates=3))
    assert len(out) == len(QUERIES)
    for cands in out:
        assert len(cands) == 3
        for c in cands:
            assert isinstance(c.text, str)
            assert 1 <= c.num_tokens <= engine_cfg.max_new_tokens
            assert math.isfinite(c.logprob) and c.logprob <= 0


def test_beam_search_is_deterministic_and_follows_input_order(engine_cfg, tiny_model_dir):
    beam = get_engine(engine_cfg.model_copy(update={"kind": "hf", "decoding": "beam"}), tiny_model_dir)
    forward = beam.generate(QUERIES, Decoding(num_candidates=2, mode="beam"))
    backward = beam.generate(list(reversed(QUERIES)), Decoding(num_candidates=2, mode="beam"))
    assert [[c.text for c in cs] for cs in backward] == [[c.text for c in cs] for cs in reversed(forward)]
    for (a, b) in zip(backward, reversed(forward)):
        assert [c.logprob for c in a] == pytest.approx([c.logprob for c in b], abs=1e-4)


def test_label_probs_equal_an_unpadded_single_prompt_forward_pass(hf_engine):
    """Batched, left-padded scoring must give what one plain forward pass gives for each prompt alone."""
    import torch

    pairs = [("nike running shoes", "nike shoes"), ("a", "usb c charging cable for phones"), ("lego", "lego")]
    batched = hf_engine.label_probs(pairs)
    tok, model, label_ids = hf_engine.tokenizer, hf_engine.model, hf_engine.prompts.label_ids
    for (q, r), got in zip(pairs, batched):
        text = tok.apply_chat_template(relevance_messages(q, r), tokenize=False, add_generation_prompt=True)
        ids = tok(text, return_tensors="pt", add_special_tokens=False)["input_ids"]
        with torch.inference_mode():
            logits = model(input_ids=ids).logits[0, -1]
        label_logits = torch.stack([logits[label_ids[g]] for g in label_ids])
        expected = dict(zip(label_ids, torch.softmax(label_logits, -1).tolist()))
        assert got == pytest.approx(expected, abs=1e-5)
        assert sum(got.values()) == pytest.approx(1.0)
    scores = hf_engine.score(pairs)
    assert scores == pytest.approx([relevance_from_probs(p) for p in batched])
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_hostile_inputs_never_crash(hf_engine, hostile_queries):
    out = hf_engine.generate(hostile_queries, Decoding(num_candidates=2))
    assert [len(c) for c in out] == [2] * len(hostile_queries)
    scores = hf_engine.score([(q, q) for q in hostile_queries] + [("shoes", q) for q in hostile_queries])
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_empty_batches_and_stats(hf_engine):
    assert hf_engine.generate([], Decoding(num_candidates=3)) == [] and hf_engine.score([]) == []
    before = hf_engine.stats.snapshot()
    hf_engine.generate(["shoes"], Decoding(num_candidates=2))
    delta = hf_engine.stats.delta(hf_engine.stats.snapshot(), before)
    assert delta["queries"] == 1 and delta["generate_calls"] == 1
    assert delta["generated_tokens"] >= 2 and delta["prompt_tokens"] > 10


def test_greedy_is_one_candidate_and_repeatable(engine_cfg, tiny_model_dir):
    greedy = get_engine(engine_cfg.model_copy(update={"kind": "hf", "temperature": 0.0}), tiny_model_dir)
    first = greedy.generate(QUERIES, Decoding(num_candidates=3, temperature=0.0))
    assert [len(c) for c in first] == [1] * len(QUERIES)
    assert greedy.generate(QUERIES, Decoding(num_candidates=3, temperature=0.0)) == first
