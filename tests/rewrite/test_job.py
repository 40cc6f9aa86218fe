"""The whole job in-process on real Spark + Delta, with the FakeEngine (fast, deterministic).

The real vLLM engine runs the same path in test_job_vllm.py; these tests cover
the bookkeeping: one row per eligible query, idempotent reruns, incremental
work, a new model redoing everything, a failed run leaving the dictionary alone.
"""

from __future__ import annotations

import pytest

from qrw.engine.fake import fake_rewrites
from qrw.normalize import normalize
from qrw.rewrite.job import run_rewrite

from .conftest import (
    assert_contract_schema,
    assert_ranked_rows,
    delta_version,
    expected_queries,
    make_cfg,
    read_dictionary,
    read_runs,
    search,
    small_log,
    write_log,
)


@pytest.fixture(scope="module")
def first_run(spark, tmp_path_factory):
    root = tmp_path_factory.mktemp("job")
    rows = small_log()
    log = write_log(spark, root / "log", rows)
    table = str(root / "dict")
    summary = run_rewrite(make_cfg(), search_log=log, model="fake", table=table)
    return {"root": root, "rows": rows, "log": log, "table": table, "summary": summary}


def test_first_run_writes_one_ranked_row_per_eligible_query(spark, first_run):
    table, summary = first_run["table"], first_run["summary"]
    expected = expected_queries(first_run["rows"])
    got = read_dictionary(spark, table)
    assert set(got) == set(expected)
    assert_contract_schema(spark, table)
    assert_ranked_rows(got)
    for key, exp in expected.items():
        row = got[key]
        assert {k: row[k] for k in exp} == exp, key
        assert row["model_version"] == "fake-engine-v1" and row["run_id"] == summary["run_id"]
        # The fake's candidates minus the identity, each scored and kept (min_relevance=0, top_k=3).
        possible = {normalize(t) for t in fake_rewrites(key)} - {key}
        assert {normalize(r["rewrite"]) for r in row["rewrites"]} <= possible
    assert got["running shoes"]["rewrites"], "a normal query gets rewrites"
    assert summary["status"] == "succeeded"
    assert summary["counts"]["selected"] == summary["counts"]["staged"] == summary["counts"]["inserted"] == len(expected)
    assert summary["counts"]["rejected"] == 2 and summary["slots"] == 2
    assert len(summary["partitions"]) == 2 and all(p["queries"] > 0 for p in summary["partitions"])
    run = read_runs(spark, table)[summary["run_id"]]
    assert run["status"] == "succeeded" and run["counts"]["inserted"] == len(expected) and run["engine_seconds"] >= 0
    assert run["devices"] == ["cpu"] and run["dictionary_version"] == delta_version(spark, table)
    assert run["profile"] == summary["profile"] == "local"  # conf/local.yaml's profile: recorded with the run
    rejects = {r["reason"] for r in spark.read.format("delta").load(f"{table}_rejects").where(f"run_id = '{summary['run_id']}'").collect()}
    assert rejects == {"search without query", "missing user_id"}
    # Change Data Feed records the inserts of this run.
    changes = spark.read.format("delta").option("readChangeFeed", "true").option("startingVersion", 0).load(table)
    assert changes.where("_change_type = 'insert'").count() == len(expected)


def test_the_jobs_rejects_never_hold_user_or_session_ids(spark, first_run):
    records = [r["record"] for r in spark.read.format("delta").load(f"{first_run['table']}_rejects").collect()]
    assert records and all("user_id" not in rec and "session_id" not in rec and "u9" not in rec for rec in records), records
    assert any('"event_type":"search"' in rec for rec in records)  # the rest of the record is kept


def test_reruns_are_idempotent_and_work_is_incremental(spark, first_run, fake_model_dir):
    table, log = first_run["table"], first_run["log"]
    before = read_dictionary(spark, table)
    version = delta_version(spark, table)

    again = run_rewrite(make_cfg(), search_log=log, model="fake", table=table)
    assert again["status"] == "skipped" and again["run_id"] == first_run["summary"]["run_id"]
    assert delta_version(spark, table) == version

    forced = run_rewrite(make_cfg("rewrite.force=true"), search_log=log, model="fake", table=table)
    assert forced["status"] == "succeeded"
    assert forced["counts"]["selected"] == 0 and forced["counts"]["staged"] == 0  # no engine work at all
    assert forced["counts"]["skipped_fresh"] == len(before)
    assert delta_version(spark, table) == version and read_dictionary(spark, table) == before

    # New searches arrive: only the new eligible queries go to the engine; old rows stay as they were.
    new_rows = [search("trail running shoes", u, day="2026-11-04") for u in ("u1", "u2")] + [
        search("wireless earbuds", u, day="2026-11-04") for u in ("u3", "u4")
    ]
    write_log(spark, log, new_rows, mode="append")
    third = run_rewrite(make_cfg(), search_log=log, model="fake", table=table)
    assert third["run_id"] != first_run["summary"]["run_id"]
    assert third["counts"]["selected"] == 2 and third["counts"]["inserted"] == 2 and third["counts"]["updated"] == 0
    after = read_dictionary(spark, table)
    assert set(after) == set(before) | {"trail running shoes", "wireless earbuds"}
    assert all(after[k] == before[k] for k in before)
    assert set(after) == set(expected_queries(first_run["rows"] + new_rows))

    # A new model version makes every entry stale: all are redone (updated), none duplicated.
    model = fake_model_dir("v2")
    fourth = run_rewrite(make_cfg(), search_log=log, model=model, table=table)
    assert fourth["model_version"] == "fake:v2"
    assert fourth["counts"]["selected"] == len(after) and fourth["counts"]["updated"] == len(after)
    final = read_dictionary(spark, table)
    assert set(final) == set(after) and {r["model_version"] for r in final.values()} == {"fake:v2"}


def test_failed_run_leaves_the_dictionary_untouched_and_is_marked_failed(spark, first_run):
    table = first_run["table"]
    log = write_log(spark, first_run["root"] / "log_fail", first_run["rows"] + [search("garden hose", u) for u in ("u1", "u2")])
    before, version = read_dictionary(spark, table), delta_version(spark, table)
    # local[2] allows no task retries, so the injected fault fails the job.
    cfg = make_cfg("rewrite.fail_once_after=0", "rewrite.incremental=false")
    with pytest.raises(Exception, match="fault injection"):
        run_rewrite(cfg, search_log=log, model="fake", table=table)
    assert delta_version(spark, table) == version and read_dictionary(spark, table) == before
    failed = [r for r in read_runs(spark, table).values() if r["status"] == "failed"]
    assert len(failed) == 1 and "fault injection" in failed[0]["error"] and failed[0]["search_log"] == log


def test_a_model_that_tags_no_better_than_the_majority_is_refused_before_any_work(spark, tmp_path, fake_model_dir):
    import json
    from pathlib import Path

    from qrw.errors import QrwError

    model = fake_model_dir("weak-tagger")
    manifest = Path(model) / "qrw_model.json"
    manifest.write_text(json.dumps({"model_version": "weak-tagger", "metrics": {"relevance_accuracy": 0.36, "majority_rate": 0.35}}))
    log = write_log(spark, tmp_path / "log", small_log())
    table = tmp_path / "dictionary"
    with pytest.raises(QrwError, match="weak-tagger tags relevance at 0.360"):
        run_rewrite(make_cfg(), search_log=log, model=model, table=str(table))
    assert not table.exists()  # nothing was written
