"""Sanitize, dedupe, rank: pure functions, no Spark, no engine."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qrw.engine.base import Candidate
from qrw.normalize import normalize
from qrw.prompts import SYSTEM_PROMPT, relevance_messages, rewrite_messages
from qrw.rewrite.postprocess import clean_candidates, combined_score, rank, sanitize

Q = "running shoes"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("nike running sneakers", "nike running sneakers"),
        ("  \"Nike Running Sneakers\".  ", "Nike Running Sneakers"),
        ("Query: trail running shoes", "trail running shoes"),
        ("Rewrite: Answer: trail runners", "trail runners"),
        ("assistant\ntrail runners\nmore text", "trail runners"),
        ("<|im_start|>assistant\nsport shoes<|im_end|>", "sport shoes"),
        ("red\x07 \x1b[31mshoes\x00", "red shoes"),
        ("\x1b]0;title\x07trail shoes", "trail shoes"),
        ("sneakers\u202e\u200b for men", "sneakers for men"),
        ("👟 sneakers 👟", "👟 sneakers 👟"),
        ("user-friendly shoes", "user-friendly shoes"),
    ],
)
def test_sanitize_keeps_one_clean_line(raw, expected):
    assert sanitize(raw, normalize(Q)) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   \n\t ",
        None,
        "Running-Shoes!",  # identity after normalize
        "query: running shoes",  # an echo of the prompt is an identity too
        SYSTEM_PROMPT,
        "Sure. " + SYSTEM_PROMPT[:60],
        rewrite_messages(Q)[1]["content"],  # "Task: rewrite\nQuery: ..." -> first line is the task marker
        relevance_messages(Q, "sneakers")[1]["content"].splitlines()[0],  # "Task: relevance (2 same intent, ...)"
        "Answer with one digit: 2 = same intent",
        "Task: rewrite",
        "\x00\x01\x02",
        "🙂🙂",  # nothing that normalizes to a key
    ],
)
def test_sanitize_drops_echoes_empties_and_identities(raw):
    assert sanitize(raw, normalize(Q)) is None


def test_sanitize_bounds_length_at_a_word_boundary():
    long = "waterproof trail running shoes for men " * 200  # ~8,000 characters
    out = sanitize(long, normalize(Q), max_chars=40)
    assert out is not None and len(out) <= 40
    assert long.startswith(out) and not out.endswith(" ")
    one_word = "x" * 500
    assert sanitize(one_word, normalize(Q), max_chars=40) == "x" * 40


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.integers(min_value=4, max_value=120))
def test_sanitize_output_is_always_safe(raw, max_chars):
    out = sanitize(raw, normalize(Q), max_chars=max_chars)
    if out is None:
        return
    assert out == out.strip() and out
    assert len(out) <= max_chars
    assert "\n" not in out and "\r" not in out
    assert not any(ord(ch) < 32 or ord(ch) == 127 for ch in out)
    assert normalize(out) and normalize(out) != normalize(Q)


def test_clean_candidates_dedupes_by_normalize_keeping_the_likeliest():
    cands = [
        Candidate("Nike Sneakers", -1.0, 2),
        Candidate("nike sneakers!", -0.2, 3),
        Candidate("running shoes", -0.01, 2),  # identity
        Candidate("", -0.01, 0),
        Candidate("trail shoes", -0.5, 2),
    ]
    out = clean_candidates(normalize(Q), cands)
    assert [c.text for c in out] == ["nike sneakers!", "trail shoes"]
    assert [c.key for c in out] == ["nike sneakers", "trail shoes"]


def test_rank_orders_by_combined_score_thresholds_and_keeps_top_k():
    cands = clean_candidates(
        normalize(Q),
        [Candidate("a shoes", -0.1, 2), Candidate("b shoes", -2.0, 2), Candidate("c shoes", -0.1, 2), Candidate("d shoes", -0.1, 2)],
    )
    rel = {"a shoes": 0.6, "b shoes": 0.9, "c shoes": 0.2, "d shoes": 0.95}
    out = rank(cands, [rel[c.text] for c in cands], top_k=3, min_relevance=0.5, relevance_weight=0.7, likelihood_weight=0.3)
    # b is more relevant than a, but far less likely: the combined score puts a first; c is under the threshold.
    assert [r["rewrite"] for r in out] == ["d shoes", "a shoes", "b shoes"]
    assert [r["rewrite"] for r in rank(cands, [rel[c.text] for c in cands], top_k=1, min_relevance=0.5)] == ["d shoes"]
    scores = [r["score"] for r in out]
    assert scores == sorted(scores, reverse=True)
    expected_d = (0.7 * 0.95 + 0.3 * math.exp(-0.1)) / 1.0
    assert out[0]["score"] == pytest.approx(expected_d)
    assert all(0 <= r["relevance"] <= 1 and 0 <= r["score"] <= 1 for r in out)


def test_rank_clamps_bad_relevance_and_rejects_length_mismatch():
    cands = clean_candidates(normalize(Q), [Candidate("trail shoes", float("-inf"), 1), Candidate("sport shoes", -0.3, 1)])
    assert [c.text for c in cands] == ["sport shoes", "trail shoes"]  # likeliest first
    out = rank(cands, [7.0, float("nan")], top_k=5, min_relevance=0.0)
    by_text = {r["rewrite"]: r for r in out}
    assert by_text["trail shoes"]["relevance"] == 0.0 and by_text["sport shoes"]["relevance"] == 1.0
    assert all(math.isfinite(r["score"]) for r in out)
    with pytest.raises(ValueError):
        rank(cands, [0.5], top_k=1, min_relevance=0)


def test_combined_score_weights():
    assert combined_score(1.0, 0.0, 1.0, 0.0) == 1.0
    assert combined_score(0.0, 0.0, 0.0, 1.0) == 1.0
    assert combined_score(0.5, math.log(0.5), 0.5, 0.5) == pytest.approx(0.5)
