"""The model manifest's tagging-quality check (what the batch job refuses to run with)."""

from __future__ import annotations

import pytest

from qrw.errors import QrwError
from qrw.manifest import check_tagging_quality


def manifest(accuracy, majority):
    return {"model_version": "m-1", "metrics": {"relevance_accuracy": accuracy, "majority_rate": majority}}


def test_a_tagger_well_above_the_majority_rate_passes():
    assert check_tagging_quality(manifest(0.61, 0.35), 0.05) is None


@pytest.mark.parametrize("accuracy", [0.30, 0.35, 0.39])
def test_a_tagger_at_or_near_the_majority_rate_is_refused_with_what_to_do(accuracy):
    with pytest.raises(QrwError, match=r"m-1 tags relevance at .* rewrite.min_tagging_margin=null"):
        check_tagging_quality(manifest(accuracy, 0.35), 0.05)


def test_no_metrics_is_a_note_and_no_margin_is_no_check():
    note = check_tagging_quality({"model_version": "qwen-abc"}, 0.05)
    assert note and "qwen-abc" in note and "unchecked" in note
    assert check_tagging_quality(manifest(0.1, 0.9), None) is None
