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
