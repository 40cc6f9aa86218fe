"""The GRPO reward parts and their fusion (fast; the relevance part runs a real tiny model)."""

from __future__ import annotations

import pytest

from qrw.config import GrpoSection
from qrw.prompts import relevance_from_probs
from qrw.train.rewards import (
    REWARD_NAMES,
    ConversionReward,
    ModelRelevanceReward,
    RelevanceReward,
    RulesReward,
    build_rewards,
    completion_text,
    fuse,
    reward_weights,
    rule_violation,
    score_all,
)


def _c(text: str) -> list[dict]:
    return [{"role": "assistant", "content": text}]


@pytest.mark.parametrize(
    ("rewrite", "reason"),
    [
        ("nike running shoes", None),
        ("nike running shoes\n", None),  # the newline after <|im_end|> is not a second line
        ("", "empty"),
        ("   ", "empty"),
        ("nike running\nshoes", "multi-line"),
        ("x" * 81, "too long"),
        ("a b c d e f g h i j k l m", "too many words"),
        ("Nike Sneakers!", "same as query"),
        ("Task: rewrite", "prompt echo"),
        ("Query: nike sneakers", "prompt echo"),
        ("you are a search query rewriter", "prompt echo"),
        ("<|im_start|>assistant", "prompt echo"),
        ("!!! ...", "no words"),
        # Degenerate completions the batch job must never publish (issue 14): the relevance
        # task's label tokens, digits or punctuation only, repetitions.
        ("2", "relevance label"),
        (" 0\n", "relevance label"),
        ("42 - 17", "no letters"),
        ("shoes shoes shoes", "repetitive"),
        ("nike shoes nike shoes", "repetitive"),
        ("mahi mahi fillet", None),
        ("task lamp", None),
    ],
)
def test_rules(rewrite, reason):
    assert rule_violation("nike sneakers", rewrite) == reason
    assert RulesReward()(prompts=[None], completions=[_c(rewrite)], query=["nike sneakers"]) == [0.0 if reason else 1.0]


CATALOG = [
    {"product_id": "p_ordered", "text": "nike running shoes black"},
    {"product_id": "p_carted", "text": "nike trail shoes"},
    {"product_id": "p_clicked", "text": "nike slides"},
    {"product_id": "p_other", "text": "sony headphones wireless"},
    {"product_id": "p_other2", "text": "apple phone case"},
]
ENGAGED = [
    {"product_id": "p_ordered", "clicks": 1, "add_to_carts": 0, "orders": 1},
    {"product_id": "p_carted", "clicks": 1, "add_to_carts": 1, "orders": 0},
    {"product_id": "p_clicked", "clicks": 1, "add_to_carts": 0, "orders": 0},
]


@pytest.fixture(scope="module")
def conversion():
    return ConversionReward(CATALOG, k=3, gains=(3.0, 2.0, 1.0))


def test_bm25_retrieves_by_the_rewrite(conversion):
    hits = conversion.retrieve(["Nike Running-Shoes", "sony headphones", "", "zzzz"])
    assert hits[0][0] == "p_ordered"
    assert hits[1][0] == "p_other"
    assert hits[2] == [] and hits[3] == []


def test_orders_weigh_more_than_carts_more_than_clicks(conversion):
    ordered, carted, clicked, nothing = conversion.score(["running", "trail", "slides", "headphones"], [ENGAGED] * 4)
    assert ordered > carted > clicked > nothing == 0.0


def test_conversion_is_ndcg_in_unit_interval(conversion):
    # The ideal ranking for these gains is ordered, carted, clicked: NDCG 1.
    assert conversion.ndcg(["p_ordered", "p_carted", "p_clicked"], ENGAGED) == pytest.approx(1.0)
    assert conversion.ndcg(["p_clicked", "p_carted", "p_ordered"], ENGAGED) < 1.0
    assert conversion.ndcg(["p_other"], ENGAGED) == 0.0
    assert conversion.ndcg(["p_ordered"], []) == 0.0  # no engagement: no signal
    scores = conversion(prompts=[None] * 2, completions=[_c("nike shoes"), _c("")], products=[ENGAGED, ENGAGED])
    assert 0.0 < scores[0] <= 1.0 and scores[1] == 0.0


def test_relevance_reward_reads_label_probabilities(tiny_base):
    from qrw.train.modeling import load_model, load_tokenizer
    from qrw.train.scoring import label_probs

    model, tok = load_model(tiny_base, trainable=False), load_tokenizer(tiny_base)
    reward = RelevanceReward(model, tok, batch_size=4)
    queries = ["nike sneakers", "sony cans", "lego tee", "x", "nike sneakers"]
    rewrites = ["nike running shoes", "sony headphones black", "lego t shirt", "a much longer rewrite with many words", ""]
    batched = reward(prompts=[None] * 5, completions=[_c(r) for r in rewrites], query=queries)
    assert batched[-1] == 0.0  # an empty rewrite keeps no intent
    assert all(0.0 <= s <= 1.0 for s in batched)
    # Left padding must not change a score: one-by-one equals batched.
    one_by_one = [reward.score([q], [r])[0] for q, r in zip(queries, rewrites)]
    assert batched == pytest.approx(one_by_one, abs=1e-5)
    probs = label_probs(model, tok, [(queries[0], rewrites[0])])[0]
    assert sum(probs.values()) == pytest.approx(1.0)
    assert batched[0] == pytest.approx(relevance_from_probs(probs), abs=1e-6)
    assert not any(p.requires_grad for p in model.parameters())


def test_fusion_is_the_weighted_sum_trl_computes(tiny_base):
    from trl.trainer.utils import get_callable_name

    from qrw.train.modeling import load_model, load_tokenizer

    cfg = GrpoSection(weights={"relevance": 2.0, "conversion": 1.0, "rules": 0.5}, retrieval_k=3)
    fns = build_rewards(cfg, load_model(tiny_base, trainable=False), load_tokenizer(tiny_base), CATALOG)
    assert [get_callable_name(f) for f in fns] == list(REWARD_NAMES)  # TRL logs rewards/<name>/mean
    parts = score_all(fns, ["nike sneakers"] * 3, ["nike running shoes", "", "nike nike nike"], [ENGAGED] * 3)
    fused = fuse(parts, reward_weights(cfg))
    for i in range(3):
        assert fused[i] == pytest.approx(2.0 * parts["relevance"][i] + parts["conversion"][i] + 0.5 * parts["rules"][i])
    assert parts["rules"] == [1.0, 0.0, 0.0] and parts["conversion"][1] == 0.0
    # A degenerate rewrite earns nothing from any part (BM25 alone would pay "nike nike nike").
    assert fused[2] == 0.0 and parts["relevance"][2] == parts["conversion"][2] == 0.0


@pytest.fixture(scope="module")
def relevance_dir(tmp_path_factory):
    """A real relevance model (qrw.relevance_model) fitted on the synthetic labelled pairs of its own tests."""
    import sys
    from pathlib import Path

    from qrw import relevance_model

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from test_relevance_model import labelled_pairs

    out = tmp_path_factory.mktemp("relevance")
    relevance_model.save(relevance_model.fit(labelled_pairs(1500, seed=0)), out)
    return str(out)


def test_relevance_reward_from_a_relevance_model_separates_drift_and_pays_no_degenerate(relevance_dir):
    from qrw import relevance_model

    cfg = GrpoSection(relevance_scorer=relevance_dir, retrieval_k=3)
    fns = build_rewards(cfg, None, None, CATALOG)  # no LLM judge loaded at all
    judge = fns[0]
    assert isinstance(judge, ModelRelevanceReward) and judge.__name__ == "relevance"
    query = "sony black 15 inch headphones"
    rewrites = [
        "headphones sony 15 inch black",  # same words, same intent
        "sony black 15 inch drill",  # same brand and numbers, another product type
        "sony black 28 inch headphones",  # contradicting number
        "444444444444444444444444",  # the digit string the frozen SFT copy was flattered by
        "",
    ]
    parts = score_all(fns, [query] * 5, rewrites, [ENGAGED] * 5)
    rel = parts["relevance"]
    assert rel[0] > 0.7 and rel[0] > rel[1] + 0.3 and rel[0] > rel[2] + 0.3
    assert rel[3] == 0.0 and rel[4] == 0.0  # gated by the rules: degenerate and empty earn nothing
    # The reward is the relevance model's own score, the one the nightly job ranks by.
    assert rel[:3] == pytest.approx(relevance_model.scores(relevance_dir, [(query, r) for r in rewrites[:3]]))


def test_grpo_refuses_a_relevance_scorer_that_is_not_a_relevance_model(tmp_path, tiny_base):
    from qrw.config import load_config
    from qrw.errors import QrwError
    from qrw.train.grpo import train_grpo

    cfg = load_config(None, [f"train.grpo.relevance_scorer={tmp_path}"])
    with pytest.raises(QrwError, match="qrw train relevance"):
        train_grpo(cfg, data=str(tmp_path / "data"), model=tiny_base, out=str(tmp_path / "out"))


def test_completion_text_accepts_both_trl_formats():
    assert completion_text(_c("abc")) == "abc"
    assert completion_text("abc") == "abc"
    assert completion_text(None) == ""


def test_paired_standard_error_of_the_grpo_gain():
    from qrw.train.grpo import paired_se

    # per-prompt gains 0.1, 0.3, 0.2: sd 0.1, n 3 -> se 0.1 / sqrt(3)
    assert paired_se([1.0, 1.0, 1.0], [1.1, 1.3, 1.2]) == pytest.approx(0.0577, abs=1e-4)
    assert paired_se([0.5, 0.7], [0.6, 0.8]) == 0.0  # the same gain on every prompt: no noise
    assert paired_se([1.0], [2.0]) == 0.0  # one prompt: no spread to measure
