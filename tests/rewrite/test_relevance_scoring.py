"""Which model scores, its calibration, the threshold, and the golden relevance gate, through the real job.

The fake engine makes the arithmetic checkable by hand (its relevance is word overlap); the
real-engine path (a second scoring model, a model blocked by the golden set) is test_scorer_hf.py.
"""

from __future__ import annotations

import json

import pytest

from qrw.calibration import Calibration, write_calibration
from qrw.engine.fake import fake_relevance, fake_rewrites
from qrw.errors import GateBlocked, QrwError
from qrw.normalize import normalize
from qrw.rewrite.job import run_rewrite
from qrw.serve.publish import publish

from .conftest import make_cfg, read_dictionary, read_runs, small_log, write_log

PLAIN = ("running shoes", "cheap nike sneakers", "usb c cable 2m", "kids toys")
#: raw overlap 0.6 -> 0.05, 1.0 -> 1.0: a raw 2/3 becomes ~0.21, below the recorded threshold.
CAL = Calibration(method="isotonic", mapping={"x": [0.0, 0.6, 1.0], "y": [0.0, 0.05, 1.0]}, target_precision=0.9, threshold=0.3,
                  precision_at_threshold=0.93, coverage_at_threshold=0.4, population={"pairs": 100})
SERVE_LOOSE = ("serve.min_coverage=0", "serve.min_mean_top_relevance=0", "rewrite.min_relevance=0")


def _candidates(key: str, n: int = 4) -> list[str]:
    return [t for t in fake_rewrites(key)[:n] if normalize(t) != key]


@pytest.fixture(scope="module")
def log(spark, tmp_path_factory):
    return write_log(spark, tmp_path_factory.mktemp("scoring") / "log", small_log())


def _model(root, name: str, manifest: dict) -> str:
    d = root / name
    d.mkdir(parents=True, exist_ok=True)
    (d / "config.json").write_text("{}")
    (d / "qrw_model.json").write_text(json.dumps(manifest))
    return str(d)


def test_the_job_applies_the_calibration_and_its_recorded_threshold(spark, log, tmp_path):
    model = _model(tmp_path, "m", {"model_version": "v1"})
    write_calibration(model, CAL)
    table = str(tmp_path / "dict")
    summary = run_rewrite(make_cfg("rewrite.min_relevance=auto"), search_log=log, model=model, table=table)
    got = read_dictionary(spark, table)
    dropped_by_calibration = 0
    for key in PLAIN:
        cands = _candidates(key)
        expected = {normalize(t) for t in cands if CAL.apply(fake_relevance(key, t)) >= CAL.threshold}
        dropped_by_calibration += sum(1 for t in cands if fake_relevance(key, t) >= 0.5 and normalize(t) not in expected)
        rewrites = got[key]["rewrites"]
        assert {normalize(r["rewrite"]) for r in rewrites} <= expected and len(rewrites) == min(3, len(expected)), key
        for r in rewrites:
            assert r["relevance"] == pytest.approx(CAL.apply(fake_relevance(key, r["rewrite"]))), (key, r)
            assert r["relevance"] >= CAL.threshold
    assert dropped_by_calibration > 0, "the raw score's 0.5 would have kept some that calibration drops"
    assert summary["min_relevance_applied"] == CAL.threshold and "calibration.json" in summary["min_relevance_source"]
    assert summary["model_version"] == f"fake:v1+cal:{CAL.digest}" == got["running shoes"]["model_version"]
    run = read_runs(spark, table)[summary["run_id"]]
    assert run["min_relevance_applied"] == CAL.threshold and json.loads(run["calibration"])["digest"] == CAL.digest
    assert run["scorer_model"] == model and run["golden_relevance_accuracy"] is None

    # the same model without its calibration: the raw scores, the uncalibrated default 0.5, another run
    (tmp_path / "m" / "calibration.json").unlink()
    raw = run_rewrite(make_cfg("rewrite.min_relevance=auto", "rewrite.incremental=false"), search_log=log, model=model, table=table)
    assert raw["run_id"] != summary["run_id"] and raw["min_relevance_applied"] == 0.5 and "uncalibrated" in raw["min_relevance_source"]
    for r in read_dictionary(spark, table)["cheap nike sneakers"]["rewrites"]:
        assert r["relevance"] == pytest.approx(fake_relevance("cheap nike sneakers", r["rewrite"])) and r["relevance"] >= 0.5


def test_scorer_sft_scores_with_the_grpo_policys_base_and_its_calibration(spark, log, tmp_path):
    sft = _model(tmp_path, "sft", {"model_version": "sft-1", "kind": "sft"})
    write_calibration(sft, CAL)
    policy = _model(tmp_path, "grpo", {"model_version": "grpo-1", "kind": "grpo", "base": sft})
    table = str(tmp_path / "dict")
    summary = run_rewrite(make_cfg("rewrite.min_relevance=auto", "rewrite.scorer_model=sft"), search_log=log, model=policy, table=table)
    assert summary["scorer_model"] == sft and summary["scorer_model_version"] == "fake:sft-1"
    assert summary["model_version"] == f"fake:grpo-1+scorer:fake:sft-1+cal:{CAL.digest}"
    rows = read_dictionary(spark, table)
    assert all(r["relevance"] >= CAL.threshold for row in rows.values() for r in row["rewrites"])
    with pytest.raises(QrwError, match="scorer_model=sft needs a GRPO policy"):
        run_rewrite(make_cfg("rewrite.scorer_model=sft"), search_log=log, model=sft, table=table)


def _golden_file(path, agree: bool) -> str:
    """Pairs the fake's word overlap gets right (shared words keep, none drift), or their inverted labels."""
    pairs = [(f"red shoes size {i}", f"red shoes size {i} men", True) for i in range(6)]
    pairs += [(f"red shoes size {i}", f"blue kettle {i}l", False) for i in range(6)]
    path.write_text("".join(json.dumps({"query": q, "rewrite": r, "keeps_intent": k if agree else not k}) + "\n" for q, r, k in pairs))
    return str(path)


@pytest.mark.parametrize("agree", [True, False])
def test_the_golden_gate_passes_a_scorer_that_agrees_and_blocks_one_that_does_not(spark, log, tmp_path, agree):
    table = str(tmp_path / "dict")
    cfg = make_cfg(*SERVE_LOOSE, f"serve.golden_relevance={_golden_file(tmp_path / 'golden.jsonl', agree)}", "rewrite.min_relevance=0.5")
    summary = run_rewrite(cfg, search_log=log, model="fake", table=table)
    assert summary["golden_relevance_accuracy"] == (1.0 if agree else 0.0)
    if agree:
        report = publish(cfg, table=table)
        assert report["decision"] == "published" and report["gates"]["golden_relevance"]["ok"]
    else:
        with pytest.raises(GateBlocked, match="disagrees with the labels"):
            publish(cfg, table=table)


def test_publish_blocks_when_the_golden_set_is_configured_but_the_run_did_not_score_it(spark, log, tmp_path):
    table = str(tmp_path / "dict")
    run_rewrite(make_cfg(*SERVE_LOOSE), search_log=log, model="fake", table=table)
    cfg = make_cfg(*SERVE_LOOSE, f"serve.golden_relevance={_golden_file(tmp_path / 'golden.jsonl', True)}")
    with pytest.raises(GateBlocked, match="no run of this version scored the golden relevance set"):
        publish(cfg, table=table)


def test_a_relevance_model_scores_the_policys_candidates_and_the_golden_pairs(spark, log, tmp_path):
    """rewrite.scorer_model = a `qrw train relevance` directory: its scores (no LLM) rank, filter and gate."""
    import sys
    from pathlib import Path

    from qrw import relevance_model
    from qrw.engine.relevance import RelevanceScorer

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from test_relevance_model import labelled_pairs

    scorer_dir = tmp_path / "relevance"
    relevance_model.save(relevance_model.fit(labelled_pairs(1500, seed=0)), scorer_dir, metrics={"relevance_accuracy": 0.9, "majority_rate": 0.5})
    version = json.loads((scorer_dir / "qrw_model.json").read_text())["model_version"]
    policy = _model(tmp_path, "policy", {"model_version": "p-1", "kind": "sft"})
    table = str(tmp_path / "dict")
    golden = _golden_file(tmp_path / "golden.jsonl", True)
    cfg = make_cfg("rewrite.min_relevance=0", f"rewrite.scorer_model={scorer_dir}", f"serve.golden_relevance={golden}")
    summary = run_rewrite(cfg, search_log=log, model=policy, table=table)
    assert summary["scorer_model_version"] == version and summary["model_version"] == f"fake:p-1+scorer:{version}"
    scorer = RelevanceScorer(scorer_dir)
    rows = read_dictionary(spark, table)
    differs = 0
    for key in PLAIN:
        rewrites = rows[key]["rewrites"]
        assert rewrites, key
        differs += sum(abs(r["relevance"] - fake_relevance(key, r["rewrite"])) > 0.05 for r in rewrites)
        expected = dict(zip([r["rewrite"] for r in rewrites], scorer.score([(key, r["rewrite"]) for r in rewrites])))
        for r in rewrites:  # the relevance model's score, not the fake engine's word overlap
            assert r["relevance"] == pytest.approx(expected[r["rewrite"]]), (key, r)
    assert differs > 0, "the scores must be the relevance model's, not the fake engine's own"
    assert summary["golden_relevance_accuracy"] is not None


@pytest.mark.parametrize("labels", ["learned", "shuffled"])
def test_the_golden_gate_blocks_a_relevance_model_trained_on_shuffled_labels(spark, log, tmp_path, labels):
    """Issue #12's deliberately wrong scorer: the same features and rows with the grades shuffled; published only when learned."""
    import random
    import sys
    from pathlib import Path

    from qrw import relevance_model

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from test_relevance_model import labelled_pairs

    rows = labelled_pairs(1500, seed=0)
    if labels == "shuffled":
        grades = [r["grade"] for r in rows]
        random.Random(3).shuffle(grades)
        rows = [{**r, "grade": g} for r, g in zip(rows, grades)]
    scorer_dir = tmp_path / "relevance"
    relevance_model.save(relevance_model.fit(rows), scorer_dir)
    table = str(tmp_path / "dict")
    # Golden pairs of the same kinds, held out (another seed): 30 that keep the intent, 30 that drift.
    held = labelled_pairs(400, seed=7)
    pairs = [r for r in held if r["grade"] == 2][:30] + [r for r in held if r["grade"] == 0][:30]
    golden = tmp_path / "golden.jsonl"
    golden.write_text("".join(json.dumps({"query": r["query"], "rewrite": r["rewrite"], "keeps_intent": r["grade"] == 2}) + "\n" for r in pairs))
    cfg = make_cfg(*SERVE_LOOSE, "rewrite.min_relevance=0.5", f"rewrite.scorer_model={scorer_dir}", f"serve.golden_relevance={golden}")
    summary = run_rewrite(cfg, search_log=log, model=_model(tmp_path, "policy", {"model_version": "p-1"}), table=table)
    if labels == "learned":
        assert summary["golden_relevance_auc"] >= 0.75
        assert publish(cfg, table=table)["decision"] == "published"
    else:
        assert summary["golden_relevance_auc"] < 0.75
        with pytest.raises(GateBlocked, match="disagrees with the labels"):
            publish(cfg, table=table)
