"""The lexical relevance model (qrw.relevance_model): features, fit, its directory, served as a scorer.

The labelled pairs are generated here from a few product words by the kinds of change a
shop's logs show (typos, reordering, added words keep the intent; another product type,
contradicting numbers or attributes drift), so the held-out check is on pairs the model
never saw, and the issue #12 drift examples are scored against same-intent rewrites.
"""

from __future__ import annotations

import json
import random

import pytest

from qrw import relevance_model
from qrw.config import EngineSection
from qrw.engine import close_engines, get_engine
from qrw.errors import QrwError
from qrw.eval.metrics import roc_auc
from qrw.manifest import read_manifest
from qrw.engine.relevance import RelevanceScorer
from qrw.relevance_model import FEATURES, features, is_relevance_model

BRANDS = ["asus", "tefal", "ikea", "nike", "sony", "bosch", "philips", "adidas", "lego", "dell"]
TYPES = ["laptop", "frying pan", "sofa", "sneakers", "headphones", "drill", "kettle", "jacket", "toy car", "monitor"]
ATTRS = ["black", "red", "leather", "wireless", "kids", "mens", "womens", "steel", "gaming", "waterproof"]


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def labelled_pairs(n: int, seed: int) -> list[dict]:
    """(query, rewrite, grade) rows: 2 keeps the intent, 1 same type another attribute, 0 another product."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        brand, kind, attr, num = rng.choice(BRANDS), rng.choice(TYPES), rng.choice(ATTRS), rng.choice([2, 3, 13, 15, 28, 32, 40])
        query = f"{brand} {attr} {num} inch {kind}"
        move = rng.randrange(6)
        if move == 0:
            rewrite, grade = " ".join(_typo(w, rng) for w in query.split()), 2
        elif move == 1:
            rewrite, grade = f"{kind} {brand} {num} inch {attr}", 2
        elif move == 2:
            rewrite, grade = f"{brand} {attr} {num} inch {kind} {rng.choice(['new', 'sale', 'original'])}", 2
        elif move == 3:
            rewrite, grade = f"{brand} {attr} {num + rng.choice([1, 5, 10])} inch {kind}", 0  # contradicting number
        elif move == 4:
            rewrite, grade = f"{brand} {attr} {num} inch {rng.choice([t for t in TYPES if t != kind])}", 0  # another type
        else:
            rewrite, grade = f"{brand} {rng.choice([a for a in ATTRS if a != attr])} {num} inch {kind}", 1
        rows.append({"query": query, "rewrite": rewrite, "grade": grade})
    return rows


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("relevance") / "relevance"
    relevance_model.save(relevance_model.fit(labelled_pairs(1500, seed=0)), out, metrics={"relevance_accuracy": 0.9, "majority_rate": 0.5})
    yield out
    close_engines()


def test_features_see_contradicting_numbers_reordered_words_and_the_product_type():
    named = lambda q, r: dict(zip(FEATURES, features(q, r)))  # noqa: E731
    drift = named("15.6 inch gaming laptop asus", "asus 1.5 litre plastic kettle")
    assert drift["numbers_contradict"] == 1.0 and drift["last_word_same"] == 0.0
    seats = named("2 seater beige sofa", "3 seater beige sofa")
    assert seats["numbers_contradict"] == 1.0 and seats["last_word_same"] == 1.0
    same = named("boots snow", "Snow  BOOTS")  # normalized before comparing
    assert same["same_words_reordered"] == 1.0 and same["word_jaccard"] == 1.0 and same["numbers_contradict"] == 0.0
    typo = named("asus gaming lpatop", "asus gaming laptop")
    assert typo["fuzzy_query_words_in_rewrite"] == 1.0 > typo["query_words_in_rewrite"]
    assert len(features("", "")) == len(FEATURES)


def test_it_ranks_held_out_pairs_and_scores_drift_below_kept_intent(model_dir):
    scorer = RelevanceScorer(model_dir)
    held = labelled_pairs(600, seed=1)
    scores = scorer.score([(r["query"], r["rewrite"]) for r in held])
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert roc_auc(scores, [r["grade"] == 2 for r in held]) > 0.9
    kept, drifted = scorer.score([("sony 32 inch monitor", "monitor sony 32 inch"), ("sony 32 inch monitor", "sony 32 inch kettle")])
    assert kept > drifted
    assert scorer.stats.pairs == 602 and scorer.stats.score_calls == 2


def test_a_model_that_learned_shuffled_labels_ranks_at_chance(tmp_path):
    rows = labelled_pairs(1500, seed=0)
    grades = [r["grade"] for r in rows]
    random.Random(3).shuffle(grades)
    out = tmp_path / "shuffled"
    relevance_model.save(relevance_model.fit([{**r, "grade": g} for r, g in zip(rows, grades)]), out)
    held = labelled_pairs(600, seed=1)
    auc = roc_auc(RelevanceScorer(out).score([(r["query"], r["rewrite"]) for r in held]), [r["grade"] == 2 for r in held])
    assert 0.35 < auc < 0.65


def test_its_directory_is_a_model_the_engine_factory_serves_as_a_scorer(model_dir):
    assert is_relevance_model(model_dir) and not (model_dir / "config.json").exists()
    manifest = read_manifest(model_dir)
    assert manifest["kind"] == "relevance" and manifest["model_version"].startswith("relevance-")
    # Whatever engine.kind says, the directory is served as what it is: no LLM is loaded.
    scorer = get_engine(EngineSection(kind="vllm"), str(model_dir))
    assert isinstance(scorer, RelevanceScorer) and scorer.model_version == manifest["model_version"]
    probs = scorer.label_probs([("nike sneakers", "nike sneakers sale")])[0]
    assert set(probs) == {0, 1, 2} and sum(probs.values()) == pytest.approx(1.0)
    with pytest.raises(QrwError, match="only scores"):
        scorer.generate(["nike sneakers"], None)


def test_a_directory_without_weights_or_of_another_kind_is_refused(tmp_path):
    (tmp_path / "qrw_model.json").write_text(json.dumps({"kind": "relevance", "model_version": "x"}))
    assert not is_relevance_model(tmp_path)
    with pytest.raises(QrwError, match="not a relevance model"):
        RelevanceScorer(tmp_path)
    with pytest.raises(QrwError, match="at least two grades"):
        relevance_model.fit([{"query": "a b", "rewrite": "a c", "grade": 2}] * 5)
