"""The demo's choice of scorer on dev (qrw.demo.choose_scorer): coverage at the target precision first, then AUC."""

from qrw.demo import choose_scorer


def test_the_scorer_that_keeps_more_dev_pairs_at_the_target_precision_wins():
    measured = {
        "models/grpo": {"dev_auc": 0.71, "coverage_at_threshold": 0.005},
        "models/relevance": {"dev_auc": 0.93, "coverage_at_threshold": 0.14},
    }
    assert choose_scorer(measured) == "models/relevance"
    measured["models/grpo"]["coverage_at_threshold"] = 0.2  # a higher AUC does not outrank more kept pairs
    assert choose_scorer(measured) == "models/grpo"


def test_when_no_scorer_reaches_the_target_the_higher_auc_wins():
    measured = {"a": {"dev_auc": 0.6, "coverage_at_threshold": 0.0}, "b": {"dev_auc": 0.8, "coverage_at_threshold": None}}
    assert choose_scorer(measured) == "b"


def test_the_demo_grounds_its_scores_and_adds_titles_only_to_null_result_queries_unless_told_otherwise():
    from qrw.config import load_config
    from qrw.demo import DEMO_REWRITE, demo_config

    cfg = load_config(None, [])
    demo = demo_config(cfg)
    assert {k: getattr(demo.rewrite, k) for k in DEMO_REWRITE} == DEMO_REWRITE and demo.serve.golden_relevance
    assert cfg.rewrite.grounding == 0 and cfg.rewrite.retrieval_when == "always"  # the embedded defaults are untouched
    mine = demo_config(load_config(None, ["rewrite.grounding=0", "rewrite.retrieval_candidates=3"]))
    assert mine.rewrite.grounding == 0 and mine.rewrite.retrieval_candidates == 3 and mine.rewrite.retrieval_when == "no_match"
