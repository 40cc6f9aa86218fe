"""Staging + ONE MERGE on real Delta: idempotent per run, Change Data Feed on, run bookkeeping."""

from __future__ import annotations

from datetime import datetime, timezone

from qrw.rewrite.runs import make_run_id, read_run, record_run
from pyspark.sql import functions as F

from qrw.rewrite.writer import ensure_dictionary, merge_into_dictionary, write_staging
from qrw.tables import DICTIONARY_SCHEMA, latest_version as table_version

from .conftest import assert_contract_schema, read_dictionary

T0 = datetime(2026, 11, 3, 1, 0, tzinfo=timezone.utc)


def _stage(spark, table, run_id, keys, model="m1", failed=()):
    rows = [(k, k.title(), [{"rewrite": f"{k} x", "relevance": 0.8, "score": 0.7}], 3, model, run_id, T0, 2) for k in keys]
    staged = spark.createDataFrame(rows, DICTIONARY_SCHEMA).withColumn("error", F.when(F.col("query_norm").isin(*failed), F.lit("EngineError: boom")))
    write_staging(staged, table, run_id)


def test_merge_is_idempotent_per_run_and_updates_across_runs(spark, tmp_path):
    table = str(tmp_path / "dict")
    ensure_dictionary(spark, table)
    assert_contract_schema(spark, table)
    v0 = table_version(spark, table)

    _stage(spark, table, "run-a", ["red shoes", "blue shoes"])
    assert merge_into_dictionary(spark, table, "run-a") == {"inserted": 2, "updated": 0, "merged": 2}
    after_a = read_dictionary(spark, table)
    assert set(after_a) == {"red shoes", "blue shoes"} and table_version(spark, table) == v0 + 1

    # The same staging merged again (a rerun of the same run): no inserts, no updates, same content.
    again = merge_into_dictionary(spark, table, "run-a")
    assert again["inserted"] == 0 and again["updated"] == 0
    assert read_dictionary(spark, table) == after_a

    _stage(spark, table, "run-b", ["blue shoes", "green shoes"], model="m2")
    assert merge_into_dictionary(spark, table, "run-b") == {"inserted": 1, "updated": 1, "merged": 2}
    after_b = read_dictionary(spark, table)
    assert after_b["red shoes"] == after_a["red shoes"]
    assert after_b["blue shoes"]["run_id"] == "run-b" and after_b["blue shoes"]["model_version"] == "m2"
    assert len(after_b) == 3

    # A run that staged nothing commits nothing.
    version = table_version(spark, table)
    assert merge_into_dictionary(spark, table, "run-none") == {"inserted": 0, "updated": 0, "merged": 0}
    assert table_version(spark, table) == version

    feed = spark.read.format("delta").option("readChangeFeed", "true").option("startingVersion", 0).load(table)
    kinds = sorted((r["query_norm"], r["_change_type"]) for r in feed.where("_change_type != 'update_preimage'").collect())
    assert ("blue shoes", "update_postimage") in kinds and kinds.count(("red shoes", "insert")) == 1


def test_run_id_is_derived_from_inputs_and_the_runs_table_keeps_every_state(spark, tmp_path):
    base = dict(search_log="/logs/s", fingerprint="delta:v3", model_version="m1", window={"start": None, "end": "2026-11-03"}, settings={"top_k": 3})
    rid = make_run_id(**base)
    assert rid == make_run_id(**base) and rid.startswith("run-")
    for change in ({"fingerprint": "delta:v4"}, {"model_version": "m2"}, {"window": {"start": "2026-11-01", "end": "2026-11-03"}}, {"settings": {"top_k": 5}}):
        assert make_run_id(**{**base, **change}) != rid
    table = str(tmp_path / "dict")
    record_run(spark, table, {"run_id": rid, "status": "running", "started_at": T0, "counts": {"selected": 5}})
    record_run(spark, table, {"run_id": rid, "status": "succeeded", "started_at": T0, "finished_at": T0, "counts": {"selected": 5, "inserted": 5}})
    run = read_run(spark, table, rid)
    assert run["status"] == "succeeded" and run["counts"] == {"selected": 5, "inserted": 5}
    history = spark.read.format("delta").load(f"{table}_runs").orderBy("recorded_at").collect()
    assert [r["status"] for r in history] == ["running", "succeeded"]
    assert read_run(spark, table, "run-unknown") is None


def test_a_query_whose_engine_call_failed_keeps_its_previous_entry(spark, tmp_path):
    table = str(tmp_path / "dict")
    _stage(spark, table, "run-a", ["red shoes", "blue shoes"])
    merge_into_dictionary(spark, table, "run-a")
    before = read_dictionary(spark, table)
    # run-b's engine failed on "red shoes": its row is staged (with the error) but never merged.
    _stage(spark, table, "run-b", ["red shoes", "blue shoes", "pink shoes"], model="m2", failed=["red shoes", "pink shoes"])
    assert merge_into_dictionary(spark, table, "run-b") == {"inserted": 0, "updated": 1, "merged": 1}
    after = read_dictionary(spark, table)
    assert after["red shoes"] == before["red shoes"] and "pink shoes" not in after
    assert after["blue shoes"]["run_id"] == "run-b"
    # Each run has its own staging: run-a's rows are still there, untouched by run-b.
    from qrw.rewrite.writer import read_staging

    assert read_staging(spark, table, "run-a").count() == 2 and read_staging(spark, table, "run-b").count() == 3
