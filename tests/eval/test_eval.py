"""Evaluation metrics, engine and baselines: exact on small cases, discriminating on the sample world's truth."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from qrw.config import SimSection
from qrw.eval.baselines import RetrievalFirst, TypoTolerant, max_edits
from qrw.eval.metrics import (
    harmed,
    interleave,
    macro_f1,
    merge,
    pair_frame,
    recall_at_k,
    relevance_block,
    reliability,
    roc_auc,
    summarize_system,
    system_frame,
)
from qrw.eval.search import AndSearch, minimum_should_match
from qrw.offline_search import OfflineSearch


def test_small_cases():
    assert recall_at_k(["a", "b", "c"], {"a", "c", "z"}) == pytest.approx(2 / 3)
    assert recall_at_k(["a"], {"a"} | {f"p{i}" for i in range(20)}, k=1) == 1.0
    assert math.isnan(recall_at_k(["a"], set()))
    assert interleave(["a", "b", "c"], ["x", "a", "y"], k=4) == ["a", "x", "b", "c"]
    assert merge([["a", "b"], ["x", "y"], ["a", "z"]], k=10) == ["a", "x", "b", "y", "z"]
    assert merge([["q1", "q2", "q3"], []], k=2) == ["q1", "q2"]
    assert harmed(["a", "b", "c"], ["a", "x"], {"c"}, k=10) == 1.0  # the query found c, the merge lost it
    assert harmed(["a", "b"], ["a", "x", "b"], {"b"}) == 0.0
    assert math.isnan(harmed(["a"], ["a"], set()))
    assert roc_auc([0.9, 0.8, 0.1, 0.2], [True, True, False, False]) == 1.0
    assert roc_auc([0.1, 0.2, 0.9], [True, True, False]) == 0.0
    assert roc_auc([0.5, 0.5], [True, False]) == 0.5
    curve, ece = reliability([0.05, 0.05, 0.95, 0.95], [False, False, True, True])
    assert ece == pytest.approx(0.05) and [c["n"] for c in curve] == [2, 2]
    _, ece = reliability([0.9] * 10, [True] * 5 + [False] * 5)
    assert ece == pytest.approx(0.4)
    assert macro_f1([0, 1, 2, 2], [0, 1, 2, 2], [0, 1, 2]) == 1.0
    # grade 0: tp1 fp0 fn1 -> 2/3; grade 1: tp1 fp1 fn0 -> 2/3; grade 2: tp 0, fp 0, fn 0 -> left out
    assert macro_f1([0, 0, 1], [0, 1, 1], [0, 1, 2]) == pytest.approx(2 / 3)


def test_the_evaluation_engine_is_and_like_not_the_reward_retriever():
    products = [("p1", "nike running shoes black"), ("p2", "adidas running shoes"), ("p3", "nike cap red")]
    engine, reward = AndSearch(products), OfflineSearch(products)
    assert [minimum_should_match(n) for n in (1, 2, 3, 4, 5, 8)] == [1, 2, 3, 3, 3, 6]
    assert engine.search_one("nike shoes") == ["p1"]  # every term of a short query must match
    assert set(reward.search(["nike shoes"])[0]) == {"p1", "p2", "p3"}  # OR semantics: any shared word
    assert engine.search_one("nike shoez") == []  # a misspelled term matches nothing: the lexical gap
    assert reward.search(["nike shoez"])[0]  # the reward's engine still finds the nike products
    assert engine.search_one("nike running shoes blue") == ["p1"]  # 4 terms: 3 must match
    assert engine.vocabulary()["nike"] == 2


def test_baselines():
    typo = TypoTolerant({"running": 5, "shoes": 9, "shoe": 2, "headphones": 3, "nike": 4})
    assert [max_edits(t) for t in ("ab", "abc", "abcdefg", "abcdefgh")] == [0, 1, 1, 2]
    assert typo.rewrite("nike shoez") == "nike shoes"  # distance 1, the most frequent of shoes/shoe
    assert typo.rewrite("headphnoes") == "headphones"  # 10 chars: up to 2 edits
    assert typo.rewrite("nike running") is None  # nothing to correct: no rewrite
    assert typo.rewrite("xq shoes") is None  # 2-character terms are left alone
    nearest = RetrievalFirst(["Nike Air Running Shoes", "Sony Wireless Headphones", "Tefal Frying Pan 28 cm"])
    assert nearest.rewrites(["sony headphnes", "fryingpan tefal"]) == ["sony wireless headphones", "tefal frying pan 28 cm"]


@pytest.fixture(scope="module")
def world():
    from qrw.sim import generate_world

    return generate_world(SimSection(seed=11, scale=0.5))


def _queries(world) -> pd.DataFrame:
    tq = world.truth_queries
    gaps = tq[tq["gap_type"] != "none"].sort_values("query_norm").reset_index(drop=True)
    return gaps.assign(segment="tail", bought=[set() for _ in range(len(gaps))])


def _run(world, queries, rewrites):
    search = AndSearch.from_catalog(world.catalog.to_dict("records"))
    intents = {i: set(p) for i, p in zip(world.truth_intents["intent_id"], world.truth_intents["product_ids"])}
    q_hits = search.search(queries["query_norm"].tolist())
    return summarize_system(system_frame(queries, rewrites, q_hits, search, intents))["all"], search, intents


def test_oracle_rewrites_lift_recall_and_wrong_ones_do_not(world):
    queries = _queries(world)
    canon = dict(zip(world.truth_intents["intent_id"], world.truth_intents["canonical_query"]))
    ids = sorted(canon)
    other = dict(zip(ids, ids[1:] + ids[:1]))
    oracle, _, _ = _run(world, queries, [[c] for c in queries["canonical_query"]])
    wrong, _, _ = _run(world, queries, [[canon[other[i]]] for i in queries["intent_id"]])
    empty, _, _ = _run(world, queries, [[] for _ in range(len(queries))])
    assert oracle["coverage"] == 1.0 and oracle["canonical_match"] == 1.0
    assert oracle["recall@10_merged"] > oracle["recall@10_query"] + 0.1
    assert oracle["intent_kept_all"] > 0.8 and oracle["intent_kept_covered"] == oracle["intent_kept_all"]
    assert wrong["intent_kept_all"] < 0.2 and wrong["harm_rate"] > 0  # a drifting rewrite pushes out what the query found
    assert empty["coverage"] == 0.0 and empty["intent_kept_all"] == 0.0 and empty["intent_kept_covered"] is None
    assert empty["recall@10_merged"] == pytest.approx(empty["recall@10_query"]) and empty["harm_rate"] == 0.0
    # over all queries vs over covered ones: half the oracle's rewrites removed
    half, _, _ = _run(world, queries, [[c] if i % 2 else [] for i, c in enumerate(queries["canonical_query"])])
    assert half["intent_kept_all"] == pytest.approx(half["intent_kept_covered"] * half["coverage"])
    assert half["intent_kept_all"] < half["intent_kept_covered"]


def test_relevance_auc_and_calibration_track_truth(world):
    queries = _queries(world)
    canon = dict(zip(world.truth_intents["intent_id"], world.truth_intents["canonical_query"]))
    ids = sorted(canon)
    other = dict(zip(ids, ids[1:] + ids[:1]))
    _, search, intents = _run(world, queries, [[] for _ in range(len(queries))])

    def pairs(good, bad):
        rws = [[{"rewrite": r.canonical_query, "relevance": good, "score": 1.0}, {"rewrite": canon[other[r.intent_id]], "relevance": bad, "score": 0.5}]
               for r in queries.itertuples()]
        return relevance_block(pair_frame(queries, rws, search, intents), 0.5)

    sharp, inverted, flat = pairs(0.95, 0.05), pairs(0.05, 0.95), pairs(0.9, 0.9)
    assert sharp["auc"] > 0.8 and inverted["auc"] < 0.2 and flat["auc"] == pytest.approx(0.5)
    assert sharp["ece"] < 0.15 < flat["ece"]  # all at 0.9 while about half keep the intent: miscalibrated
    assert sharp["precision_at_threshold"] > 0.8 > flat["precision_at_threshold"]


def _data_dir(folder, world, *, test_share=0.5):
    """A training-data output with just what evaluate reads: the split of each query, bought products."""
    exp = folder / "export"
    exp.mkdir(parents=True)
    qs = sorted(world.truth_queries["query_norm"])
    split = {q: ("test" if i % 2 == 0 else "train") if test_share == 0.5 else "train" for i, q in enumerate(qs)}
    (exp / "query_splits.jsonl").write_text("".join(json.dumps({"query_norm": q, "split": s}) + "\n" for q, s in split.items()))
    intents = dict(zip(world.truth_intents["intent_id"], world.truth_intents["product_ids"]))
    for s in ("test", "train"):
        rows = [{"query_norm": r.query_norm, "query": r.query_norm, "prompt": [], "products": [{"product_id": p, "clicks": 1, "add_to_carts": 0, "orders": 1} for p in list(intents[r.intent_id])[:2]]}
                for r in world.truth_queries.itertuples() if split[r.query_norm] == s]
        (exp / f"grpo_{s}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return folder, split


def test_evaluate_reads_the_split_from_data_and_reports_train_separately(spark, cfg, world, tmp_path):
    from qrw.eval.run import IN_SAMPLE, evaluate
    from qrw.sim import write_world

    write_world(spark, world, str(tmp_path / "world"), fmt="delta")
    queries = _queries(world)
    rows = [(q, [{"rewrite": c, "relevance": 0.8, "score": 0.7}], 3) for q, c in zip(queries["query_norm"], queries["canonical_query"])]
    spark.createDataFrame(
        rows, "query_norm string, rewrites array<struct<rewrite:string,relevance:double,score:double>>, query_freq long"
    ).write.format("delta").save(str(tmp_path / "dict"))
    data, split = _data_dir(tmp_path / "data", world)
    result = evaluate(cfg, world=str(tmp_path / "world"), table=str(tmp_path / "dict"), data=str(data), models=[], out=str(tmp_path / "report"))
    n_test = sum(split[q] == "test" for q in queries["query_norm"])
    assert result["split"] == "test" and result["test"]["queries"] == n_test
    assert result[IN_SAMPLE]["queries"] == len(queries) - n_test and "in-sample" in result[IN_SAMPLE]["note"]
    t = result["test"]
    assert t["qrw"]["all"]["coverage"] == 1.0 and t["no_rewrite"]["all"]["coverage"] == 0.0
    assert t["oracle"]["all"]["recall@10_merged"] == pytest.approx(t["qrw"]["all"]["recall@10_merged"])  # the dictionary is the oracle here
    with_orders = sum(bool(len(world.truth_intents.set_index("intent_id").loc[i, "product_ids"])) for i, q in zip(queries["intent_id"], queries["query_norm"]) if split[q] == "test")
    assert t["qrw"]["all"]["queries_with_orders"] == with_orders > 0.9 * n_test and t["qrw"]["all"]["recall@10_bought_merged"] is not None
    assert set(t["qrw"]["by_segment"]) == {"tail"}  # query_freq 3 <= rewrite.tail_max_freq
    assert t["relevance"]["pairs"] == n_test
    saved = json.loads((tmp_path / "report" / "metrics.json").read_text())
    assert saved["test"]["queries"] == n_test and saved["leakage"]["held_out_queries"] == len([s for s in split.values() if s == "test"])
    assert "<img" in (tmp_path / "report" / "report.html").read_text()

    # Another split file: another set of queries is reported (evaluate really reads --data)
    data2, _ = _data_dir(tmp_path / "data2", world, test_share=0.0)
    other = evaluate(cfg, world=str(tmp_path / "world"), table=str(tmp_path / "dict"), data=str(data2), models=[], out=str(tmp_path / "report2"))
    assert other["test"]["queries"] == 0 and other[IN_SAMPLE]["queries"] == len(queries)


def test_evaluate_without_a_data_folder_says_what_is_missing(cfg, tmp_path):
    from qrw.errors import QrwError
    from qrw.eval.run import evaluate

    with pytest.raises(QrwError, match="build-training-data"):
        evaluate(cfg, world=str(tmp_path), table=None, data=str(tmp_path / "nothing"), models=[], out=str(tmp_path / "r"))
