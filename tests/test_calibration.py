"""Relevance calibration and the golden relevance set: pure functions, on synthetic scores."""

from __future__ import annotations

import json
import random

import pytest

from qrw.calibration import (
    UNCALIBRATED_MIN_RELEVANCE,
    Calibration,
    fit_calibration,
    read_calibration,
    resolve_min_relevance,
    roc_auc,
    threshold_for_precision,
    write_calibration,
)
from qrw.errors import QrwError
from qrw.golden_relevance import GoldenPair, measure, parse_lines


def synthetic(n: int = 600, seed: int = 0) -> tuple[list[float], list[bool]]:
    """Raw scores squeezed into [0.4, 0.8] (like a small tagger's) with P(keeps) rising steeply in them."""
    rng = random.Random(seed)
    scores, labels = [], []
    for _ in range(n):
        s = 0.4 + 0.4 * rng.random()
        p = min(1.0, max(0.0, (s - 0.45) / 0.3)) ** 2
        scores.append(s)
        labels.append(rng.random() < p)
    return scores, labels


def precision_at(scores, labels, t):
    kept = [y for s, y in zip(scores, labels) if s >= t]
    return sum(kept) / len(kept) if kept else None, len(kept) / len(scores)


def test_threshold_for_precision_by_hand():
    scores = [0.9, 0.8, 0.7, 0.6, 0.5]
    labels = [True, True, False, True, False]
    assert threshold_for_precision(scores, labels, 0.75) == (0.6, 0.75, 0.8)  # 3 of the top 4
    assert threshold_for_precision(scores, labels, 0.9) == (0.8, 1.0, 0.4)  # the lowest t that keeps precision 1
    t, p, cov = threshold_for_precision([0.5, 0.5, 0.4], [True, False, True], 0.9)
    assert t is None and cov == 0.0 and p == pytest.approx(2 / 3)  # ties are kept together: 0.5 alone is 1/2


@pytest.mark.parametrize("method", ["isotonic", "platt"])
def test_fit_apply_round_trip_and_threshold_reaches_the_target_on_dev(method, tmp_path):
    scores, labels = synthetic()
    cal = fit_calibration(scores, labels, method=method, target_precision=0.9, model_version="m-1")
    calibrated = cal.apply_many(scores)
    assert all(0.0 <= c <= 1.0 for c in calibrated)
    order = sorted(range(len(scores)), key=scores.__getitem__)
    assert all(calibrated[a] <= calibrated[b] + 1e-12 for a, b in zip(order, order[1:])), "monotone"
    # the raw score's 0.6 is far from a 0.9 precision; the calibrated threshold is where dev reaches 0.9
    assert cal.threshold is not None
    precision, coverage = precision_at(calibrated, labels, cal.threshold)
    assert precision >= 0.9 and precision == pytest.approx(cal.precision_at_threshold)
    assert coverage == pytest.approx(cal.coverage_at_threshold, abs=1e-4) and 0.05 < coverage < 0.6
    assert cal.population["pairs"] == 600 and cal.population["positives"] == sum(labels)
    # calibrated means "share that keeps the intent": top band high, bottom band near zero
    assert cal.apply(0.79) > 0.7 and cal.apply(0.41) < 0.1
    # written and read back: same mapping, same numbers
    write_calibration(tmp_path, cal)
    back = read_calibration(tmp_path, "m-1")
    assert back == cal and back.apply_many(scores) == calibrated and back.digest == cal.digest
    with pytest.raises(QrwError, match="retrained"):
        read_calibration(tmp_path, "m-2")


def test_an_unreachable_target_keeps_nothing_and_resolution_says_why():
    scores, labels = synthetic(seed=1)
    noisy = [not y if random.Random(i).random() < 0.4 else y for i, y in enumerate(labels)]
    cal = fit_calibration(scores, noisy, target_precision=0.99)
    assert cal.threshold is None
    value, source = resolve_min_relevance("auto", cal)
    assert value > 1.0 and "no threshold reached" in source
    assert resolve_min_relevance("auto", None)[0] == UNCALIBRATED_MIN_RELEVANCE
    assert resolve_min_relevance(0.3, cal) == (0.3, "rewrite.min_relevance")
    good = fit_calibration(*synthetic(), target_precision=0.9)
    assert resolve_min_relevance("auto", good)[0] == good.threshold


def test_fit_refuses_too_few_pairs_of_a_class_and_reading_refuses_junk(tmp_path):
    with pytest.raises(QrwError, match="at least 10"):
        fit_calibration([0.1] * 30 + [0.9] * 3, [False] * 30 + [True] * 3)
    (tmp_path / "calibration.json").write_text(json.dumps({"method": "isotonic", "mapping": {"x": [0, 1]}, "target_precision": 0.9, "threshold": 0.5}))
    with pytest.raises(QrwError, match="isotonic mapping"):
        read_calibration(tmp_path)
    (tmp_path / "calibration.json").write_text("{")
    with pytest.raises(QrwError, match="refit"):
        read_calibration(tmp_path)
    assert read_calibration(tmp_path / "nothing") is None


def test_roc_auc_counts_ties_half():
    assert roc_auc([0.9, 0.1], [True, False]) == 1.0
    assert roc_auc([0.1, 0.9], [True, False]) == 0.0
    assert roc_auc([0.5, 0.5], [True, False]) == 0.5
    assert roc_auc([0.5], [True]) is None


def test_golden_file_parsing_and_accuracy():
    lines = [json.dumps({"query": f"q{i}", "rewrite": f"r{i}", "keeps_intent": i % 2 == 0}) for i in range(10)]
    lines.append(json.dumps({"query": "a", "rewrite": "b", "grade": 2}))
    pairs = parse_lines(lines + [""], "golden.jsonl")
    assert len(pairs) == 11 and pairs[-1].keeps_intent
    with pytest.raises(QrwError, match="line 2"):
        parse_lines([lines[0], '{"query": "x", "rewrite": "y", "keeps_intent": "yes"}'], "golden.jsonl")
    with pytest.raises(QrwError, match="at least 5 of each"):
        parse_lines(lines[:4], "golden.jsonl")
    pairs = [GoldenPair("q", "r", k) for k in (True, True, False, False)]
    right = measure(pairs, [0.9, 0.8, 0.2, 0.1], threshold=0.5)
    assert right["accuracy"] == 1.0 and right["auc"] == 1.0 and right["precision"] == 1.0
    inverted = measure(pairs, [0.1, 0.2, 0.8, 0.9], threshold=0.5)
    assert inverted["accuracy"] == 0.0 and inverted["auc"] == 0.0
    failed = measure(pairs, [0.9, None, 0.2, 0.1], threshold=0.5)
    assert failed["accuracy"] == 0.75 and failed["failed"] == 1


def test_calibration_from_dict_names_unknown_methods():
    with pytest.raises(QrwError, match="unknown calibration method"):
        Calibration.from_dict({"method": "magic", "mapping": {}, "target_precision": 0.9, "threshold": None})


def test_sample_world_golden_file_is_balanced_and_held_out():
    """conf/golden_relevance.jsonl (scripts/make_golden_relevance.py): both labels, every drift kind, no train query."""
    from qrw.config import CONF_DIR

    rows = [json.loads(line) for line in (CONF_DIR / "golden_relevance.jsonl").read_text().splitlines() if line.strip()]
    pairs = parse_lines([json.dumps(r) for r in rows], "conf/golden_relevance.jsonl")
    assert 40 <= len(pairs) <= 100
    assert abs(sum(p.keeps_intent for p in pairs) - len(pairs) / 2) <= 2
    assert {r["split"] for r in rows} <= {"dev", "test"}
    kinds = {r["kind"] for r in rows if not r["keeps_intent"]}
    assert {"same_brand_other_type", "same_numbers_other_type", "same_type_contradicting_attribute"} <= kinds
