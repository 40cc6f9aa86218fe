"""Gate measurements on small real DataFrames, and the pure gate decisions at their thresholds."""

from __future__ import annotations

import pytest

from qrw.config import ServeSection
from qrw.errors import QrwError
from qrw.serve import gates

from serve_tables import DICT_SCHEMA, entry


def test_measure_counts_every_contract_violation_and_privacy(spark):
    rows = [
        entry("clean one"),
        entry("dup key"),
        entry("dup key"),
        entry("bad relevance", [("x y", 1.5, 2.0)]),
        entry("unsorted", [("a b", 0.9, 1.0), ("c d", 0.9, 2.0)]),
        entry("adi no laces", [("Adi No-Laces!!", 0.9, 2.0)]),  # rewrite == query after normalize
        entry("ADI Shoes", [("adidas shoes", 0.9, 2.0)]),  # key not normalized
        entry("blank", [("?!", 0.9, 2.0)]),
        entry("empty", [], users=3),
        entry("low relevance", [("lowish", 0.2, 1.0)]),
        entry("one user", users=1),
        entry("unknown users", users=None),
    ]
    stats = gates.measure(spark.createDataFrame(rows, DICT_SCHEMA), None, ServeSection(min_users=2, coverage_min_relevance=0.5))
    assert stats["rows_total"] == 12
    assert stats["duplicate_keys"] == 1
    assert stats["bad_relevance"] == 1
    assert stats["unsorted"] == 1
    assert stats["self_rewrites"] == 1
    assert stats["unnormalized_keys"] == 1
    assert stats["blank_rewrites"] == 1
    assert stats["privacy_filtered"] == 2  # one user, and an unknown count is not safe
    assert stats["rows"] == 10
    assert stats["covered"] == 8  # not "empty", not "low relevance"
    assert stats["with_rewrites"] == 9
    assert stats["published_rows"] is None and stats["run_ids"] == ["r1"] and stats["model_versions"] == ["m1"]
    gate = gates.contract_gate(stats)
    assert not gate.ok and gate.metric == 6.0
    assert "duplicate query_norm" in gate.message and "rewrite equal to its query" in gate.message


def test_clean_table_passes_contract(spark):
    stats = gates.measure(spark.createDataFrame([entry("a b"), entry("c d", [])], DICT_SCHEMA), None, ServeSection())
    assert gates.contract_gate(stats).ok


def test_schema_gate_names_missing_and_wrong_columns(spark):
    df = spark.createDataFrame([("k", "K", 3)], "query_norm string, query string, query_freq int")
    gate = gates.schema_gate(df)
    assert not gate.ok
    assert "missing rewrites" in gate.message and "query_freq is int, not bigint" in gate.message
    extra = spark.createDataFrame(
        [("k", "K", [("r", 0.5, 1.0, "why")], 1, "m", "r", None)],
        "query_norm string, query string, rewrites array<struct<rewrite:string,relevance:double,score:double,note:string>>, "
        "query_freq long, model_version string, run_id string, updated_at timestamp",
    )
    assert gates.schema_gate(extra).ok  # extra struct fields are allowed past the contract


def test_measure_against_published_counts_changed_top_rewrites(spark):
    old = spark.createDataFrame(
        [entry("a"), entry("b"), entry("c"), entry("gone"), entry("was private", users=1)], DICT_SCHEMA
    )
    new = spark.createDataFrame(
        [entry("a"), entry("b", [("b other", 0.9, 1.0)]), entry("c", []), entry("new"), entry("was private")],
        DICT_SCHEMA,
    )
    stats = gates.measure(new, old, ServeSection(min_users=2))
    assert (stats["published_rows"], stats["common"], stats["changed"]) == (4, 3, 2)
    assert (stats["rows_total"], stats["rows"], stats["duplicate_keys"]) == (5, 5, 0)
    assert not gates.churn_gate(stats, ServeSection(max_churn=0.5)).ok
    assert gates.size_gate(stats["rows"], stats["published_rows"], ServeSection()).ok


def test_pure_gates_at_thresholds():
    cfg = ServeSection(min_coverage=0.5, max_churn=0.25, max_size_drop=0.2, min_mean_top_relevance=0.6)
    base = {"rows": 10, "covered": 5, "with_rewrites": 5, "sum_top_relevance": 3.0}
    assert gates.coverage_gate(base, cfg).ok
    assert not gates.coverage_gate(base | {"covered": 4}, cfg).ok
    assert not gates.coverage_gate(base | {"rows": 0}, cfg).ok
    assert gates.mean_top_relevance_gate(base, cfg).ok
    assert not gates.mean_top_relevance_gate(base | {"with_rewrites": 0, "sum_top_relevance": 0.0}, cfg).ok
    assert gates.size_gate(8, 10, cfg).ok and not gates.size_gate(7, 10, cfg).ok
    assert gates.size_gate(5, None, cfg).ok  # first publication
    assert gates.churn_gate({"common": 4, "changed": 1}, cfg).ok
    blocked = gates.churn_gate({"common": 4, "changed": 2}, cfg)
    assert not blocked.ok and "serve.max_churn=1" in blocked.message
    assert gates.churn_gate(None, cfg).ok


def test_golden_set(spark, tmp_path):
    path = tmp_path / "golden.jsonl"
    path.write_text(
        '{"query": "  ADI no-laces!! ", "expected": ["laceless"]}\n'
        '{"query": "item 1", "expected": "Sandals"}\n'
        '\n{"query": "unknown query", "expected": ["x"]}\n'
    )
    golden = gates.read_golden(spark, str(path))
    assert golden[0] == ("adi no laces", ["laceless"])
    df = spark.createDataFrame(
        [entry("adi no laces", [("adidas laceless sneakers", 0.9, 1.0)]), entry("item 1")], DICT_SCHEMA
    )
    hits, total = gates.golden_hits(df, golden)
    assert (hits, total) == (1, 3)
    assert not gates.golden_gate(hits, total, ServeSection(min_golden_hit_rate=0.5)).ok
    assert gates.golden_gate(hits, total, ServeSection(min_golden_hit_rate=0.3)).ok
    path.write_text('{"query": "a"}\n')
    with pytest.raises(QrwError, match="line 1"):
        gates.read_golden(spark, str(path))


def _golden_run(auc, precision, kept, accuracy, run_id="run-1"):
    return {"run_id": run_id, "scorer_model_version": "s-1", "min_relevance_applied": 0.8, "golden_relevance_auc": auc,
            "golden_relevance_precision": precision, "golden_relevance_kept": kept, "golden_relevance_accuracy": accuracy}


def test_the_golden_relevance_gate_judges_ranking_and_what_is_kept_not_what_a_strict_threshold_drops():
    from qrw.serve.gates import golden_relevance_gate

    cfg = ServeSection(golden_relevance="golden.jsonl")
    # A scorer at a 90%-precision threshold: it keeps 8 of 40 labelled keeps and no drift. Accuracy
    # is 0.6 (it "drops" 32 keeps), yet it agrees with the labels: published.
    strict = golden_relevance_gate([_golden_run(0.92, 1.0, 8, 0.6)], cfg)
    assert strict.ok and strict.metric == 0.92
    # Shuffled / random scorers rank at chance: blocked whatever they keep.
    chance = golden_relevance_gate([_golden_run(0.52, 0.9, 10, 0.7)], cfg)
    assert not chance.ok and "AUC 0.520 < 0.75" in chance.message and "disagrees with the labels" in chance.message
    # Ranks well but its threshold lets drift through: blocked on precision.
    loose = golden_relevance_gate([_golden_run(0.85, 0.6, 30, 0.7)], cfg)
    assert not loose.ok and "precision of the kept pairs 0.600 < 0.8" in loose.message
    # Nothing kept: no precision to judge (the coverage gate sees an empty dictionary).
    assert golden_relevance_gate([_golden_run(0.9, None, 0, 0.5)], cfg).ok
    # The worst of the version's runs decides; accuracy is checked when configured.
    two = [_golden_run(0.9, 1.0, 8, 0.6), _golden_run(0.6, 1.0, 3, 0.55, run_id="run-2")]
    worst = golden_relevance_gate(two, cfg)
    assert not worst.ok and "run-2" in worst.message
    strict_acc = golden_relevance_gate([_golden_run(0.92, 1.0, 8, 0.6)], cfg.model_copy(update={"min_golden_relevance_accuracy": 0.75}))
    assert not strict_acc.ok and "keep/drop accuracy 0.600 < 0.75" in strict_acc.message
    unmeasured = golden_relevance_gate([{"run_id": "r", "golden_relevance_auc": None, "golden_relevance_accuracy": None}], cfg)
    assert not unmeasured.ok and "no run of this version scored" in unmeasured.message
