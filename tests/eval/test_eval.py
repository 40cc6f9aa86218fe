"""Evaluation metrics: exact on small cases, and discriminating on the sample world's truth."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from qrw.config import SimSection
from qrw.eval.metrics import interleave, pair_frame, per_query_frame, recall_at_k, roc_auc, summarize
from qrw.retrieval import OfflineSearch


def test_small_cases():
    assert recall_at_k(["a", "b", "c"], {"a", "c", "z"}) == pytest.approx(2 / 3)
    assert recall_at_k(["a"], {"a"} | {f"p{i}" for i in range(20)}, k=1) == 1.0
    assert math.isnan(recall_at_k(["a"], set()))
    assert interleave(["a", "b", "c"], ["x", "a", "y"], k=4) == ["a", "x", "b", "c"]
    assert roc_auc([0.9, 0.8, 0.1, 0.2], [True, True, False, False]) == 1.0
    assert roc_auc([0.1, 0.2, 0.9], [True, True, False]) == 0.0
    assert roc_auc([0.5, 0.5], [True, False]) == 0.5


@pytest.fixture(scope="module")
def world():
    from qrw.sim import generate_world

    return generate_world(SimSection(seed=11, scale=0.5))


def _dictionary(world, choose) -> pd.DataFrame:
    tq = world.truth_queries
    gaps = tq[tq["gap_type"] != "none"]
    return pd.DataFrame(
        {"query_norm": gaps["query_norm"], "rewrites": [choose(row) for row in gaps.itertuples()]}
    )


def _evaluate(world, dictionary):
    search = OfflineSearch.from_catalog(world.catalog.to_dict("records"))
    intents = {i: set(p) for i, p in zip(world.truth_intents["intent_id"], world.truth_intents["product_ids"])}
    per_query = per_query_frame(dictionary, world.truth_queries, intents, search)
    return summarize(per_query, pair_frame(per_query, intents, search))


def test_oracle_rewrites_lift_recall_and_wrong_ones_do_not(world):
    canon = dict(zip(world.truth_intents["intent_id"], world.truth_intents["canonical_query"]))
    other = {i: canon[o] for i, o in zip(sorted(canon), sorted(canon)[1:] + sorted(canon)[:1])}
    oracle = _evaluate(world, _dictionary(world, lambda r: [{"rewrite": r.canonical_query, "relevance": 0.9, "score": 1.0}]))
    wrong = _evaluate(world, _dictionary(world, lambda r: [{"rewrite": other[r.intent_id], "relevance": 0.9, "score": 1.0}]))
    empty = _evaluate(world, _dictionary(world, lambda r: []))
    g = oracle["gap_queries"]
    assert g["coverage"] == 1.0 and g["canonical_match"] == 1.0
    assert g["recall@10_query+rewrite"] > g["recall@10_query"] + 0.1
    assert g["intent_preserving"] > 0.8
    assert wrong["gap_queries"]["intent_preserving"] < 0.2
    assert empty["gap_queries"]["coverage"] == 0.0
    assert empty["gap_queries"]["recall@10_query+rewrite"] == pytest.approx(empty["gap_queries"]["recall@10_query"])


def test_relevance_auc_tracks_truth(world):
    canon = dict(zip(world.truth_intents["intent_id"], world.truth_intents["canonical_query"]))
    ids = sorted(canon)
    other = dict(zip(ids, ids[1:] + ids[:1]))
    both = _evaluate(
        world,
        _dictionary(
            world,
            lambda r: [
                {"rewrite": r.canonical_query, "relevance": 0.9, "score": 1.0},
                {"rewrite": canon[other[r.intent_id]], "relevance": 0.1, "score": 0.5},
            ],
        ),
    )
    assert both["relevance_auc"] > 0.8


def test_evaluate_end_to_end_on_delta(spark, cfg, world, tmp_path):
    from qrw.eval.run import evaluate
    from qrw.sim import write_world

    paths = write_world(spark, world, str(tmp_path / "world"), fmt="delta")
    dictionary = _dictionary(world, lambda r: [{"rewrite": r.canonical_query, "relevance": 0.8, "score": 0.7}])
    spark.createDataFrame(
        dictionary, "query_norm string, rewrites array<struct<rewrite:string,relevance:double,score:double>>"
    ).write.format("delta").save(str(tmp_path / "dict"))
    result = evaluate(cfg, world=str(tmp_path / "world"), table=str(tmp_path / "dict"), data=None, models=[], out=str(tmp_path / "report"))
    assert result["dictionary"]["gap_queries"]["coverage"] == 1.0
    saved = json.loads((tmp_path / "report" / "metrics.json").read_text())
    assert saved["dictionary"]["all"]["queries"] == len(dictionary)
    assert "<table>" in (tmp_path / "report" / "report.html").read_text()
    assert set(paths) >= {"truth_queries", "truth_intents", "catalog"}
