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


# --- The cheap per-query path (issue #16) must be the same function as the rules as first written ---

def _reference_sanitize(text, query_norm, max_chars=96):
    """sanitize() as written before the fast path: every step on every text, normalize() each time."""
    import unicodedata

    from qrw.rewrite import postprocess as pp
    from qrw.usable import why_unusable

    if not text:
        return None
    line = pp._first_line(pp._ANSI.sub(" ", pp._SPECIAL_TOKEN.sub(" ", text)))
    line = pp._visible(unicodedata.normalize("NFC", line))
    if pp._is_instructions(normalize(line)):
        return None
    for _ in range(4):
        stripped = pp._ECHO_PREFIX.sub("", line, count=1)
        if stripped == line:
            break
        line = stripped
    line = pp._SPACES.sub(" ", line).strip().strip(pp._WRAP).strip()
    if not normalize(line) or pp._is_instructions(normalize(line)):
        return None
    line = pp._bound(line, max_chars).strip(pp._WRAP).strip()
    if why_unusable(query_norm, line, max_chars) is not None:
        return None
    return line


def _reference_is_repetitive(key):
    from collections import Counter

    words = key.split()
    if len(words) < 3:
        return False
    if max(Counter(words).values()) >= 3:
        return True
    return any(len(words) % size == 0 and words == words[:size] * (len(words) // size) for size in range(2, len(words) // 2 + 1))


#: Text a model emits: mostly printable ASCII words and prompt fragments, sometimes anything.
_WORDS = st.sampled_from(["shoes", "Query:", "Task:", "rewrite", "answer", "assistant", "running", "red", "2", "<|im_end|>", "\n", " ", "\"", "-", ".", "2.5l", "x" * 40, "👟", "\x1b[31m", "\u200b", "Ünïcode"])
_MODEL_TEXT = st.one_of(st.lists(_WORDS, max_size=12).map(" ".join), st.lists(_WORDS, max_size=12).map("".join), st.text(max_size=120))


@settings(max_examples=1500, deadline=None)
@given(_MODEL_TEXT, st.sampled_from([Q, "red shoes", "shoes", "2.5l kettle"]), st.integers(min_value=4, max_value=120))
def test_fast_sanitize_is_the_same_function(raw, query, max_chars):
    assert sanitize(raw, normalize(query), max_chars) == _reference_sanitize(raw, normalize(query), max_chars)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["red", "shoes", "mahi", "a", "b"]), max_size=8).map(" ".join))
def test_cheap_repetition_check_is_the_same_rule(key):
    from qrw.usable import is_repetitive

    assert is_repetitive(key) == _reference_is_repetitive(key)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_MODEL_TEXT, st.floats(allow_nan=True, allow_infinity=True, width=32)), max_size=6))
def test_clean_candidates_matches_the_reference(cands):
    """Same survivors, keys, order as sanitize() + normalize() + dedupe done the long way."""
    cs = [Candidate(t, lp, 1) for t, lp in cands]
    out = clean_candidates(normalize(Q), cs, 40)
    best = {}
    for c in cs:
        text = _reference_sanitize(c.text, normalize(Q), 40)
        if text is None:
            continue
        lp = c.logprob if math.isfinite(c.logprob) else -1e9
        key = normalize(text)
        if key not in best or (lp, -len(text), text) > (best[key][1], -len(best[key][0]), best[key][0]):
            best[key] = (text, lp)
    expected = sorted(((t, k, lp) for k, (t, lp) in best.items()), key=lambda x: (-x[2], x[0]))
    assert [(c.text, c.key, c.logprob) for c in out] == expected
