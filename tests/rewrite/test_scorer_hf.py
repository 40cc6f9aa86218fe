"""The real ``hf`` engine on two tiny models: a separate scoring model, and the golden relevance gate.

One module-scoped run: policy and scorer are two different random tiny models, the golden set
is the sample world's (conf/golden_relevance.jsonl). The dictionary's relevance is the scorer's
(not the policy's), and publishing is blocked by the golden-relevance gate: a random model's
relevance disagrees with the labels, whatever the coverage and mean-relevance gates say.
"""

from __future__ import annotations

import pytest

from qrw.errors import GateBlocked
from qrw.rewrite.job import run_rewrite
from qrw.serve import versions
from qrw.serve.publish import publish

from .conftest import make_cfg, read_dictionary, read_runs, small_log, write_log


@pytest.fixture(scope="module")
def log(spark, tmp_path_factory):
    return write_log(spark, tmp_path_factory.mktemp("scoring_hf") / "log", small_log())


@pytest.fixture(scope="module")
def hf_run(spark, log, tmp_path_factory):
    """Real engines: policy and scorer are two different tiny models; the golden set is the sample world's."""
    from qrw.engine.testing import build_tiny_model

    root = tmp_path_factory.mktemp("hf_scorer")
    policy = build_tiny_model(root / "policy", seed=0)
    scorer = build_tiny_model(root / "scorer", seed=1)
    cfg = make_cfg(
        "engine.kind=hf", "engine.num_candidates=3", "engine.max_new_tokens=8", "rewrite.slots=1", "rewrite.min_relevance=auto",
        "rewrite.min_tagging_margin=null", f"rewrite.scorer_model={scorer}", "serve.golden_relevance=golden_relevance.jsonl",
        "serve.min_coverage=0", "serve.min_mean_top_relevance=0",
    )
    table = str(root / "dict")
    summary = run_rewrite(cfg, search_log=log, model=policy, table=table)
    return {"cfg": cfg, "policy": policy, "scorer": scorer, "table": table, "summary": summary}


def test_a_second_scoring_model_scores_the_dictionary(spark, hf_run):
    from qrw.engine import get_engine

    cfg, summary = hf_run["cfg"], hf_run["summary"]
    assert summary["status"] == "succeeded" and summary["scorer_model"] == hf_run["scorer"]
    assert "+scorer:" in summary["model_version"] and summary["min_relevance_applied"] == 0.5
    rows = read_dictionary(spark, hf_run["table"])
    pairs = [(key, r["rewrite"]) for key, row in rows.items() for r in row["rewrites"]]
    assert pairs, "the tiny model's candidates reach the dictionary"
    got = [r["relevance"] for row in rows.values() for r in row["rewrites"]]
    by_scorer = get_engine(cfg.engine, hf_run["scorer"]).score(pairs)
    by_policy = get_engine(cfg.engine, hf_run["policy"]).score(pairs)
    assert got == pytest.approx(by_scorer, abs=1e-3)
    assert max(abs(a - b) for a, b in zip(got, by_policy)) > 1e-3, "not the policy's own scores"


def test_golden_relevance_is_recorded_and_blocks_a_model_that_disagrees(spark, hf_run):
    summary, table = hf_run["summary"], hf_run["table"]
    golden = summary["golden_relevance"]
    assert golden["pairs"] == 80 and golden["failed"] == 0 and golden["threshold"] == 0.5
    assert summary["golden_relevance_accuracy"] == golden["accuracy"] < 0.75
    assert read_runs(spark, table)[summary["run_id"]]["golden_relevance_accuracy"] == golden["accuracy"]
    with pytest.raises(GateBlocked, match="golden_relevance: scorer"):
        publish(hf_run["cfg"], table=table)
    assert versions.published(spark, table) is None
    entry = versions.history(spark, table)[-1]
    assert entry.decision == versions.BLOCKED and "golden_relevance" in entry.reason
