"""The job under other masters, in a subprocess (this process owns a local[2] SparkContext):

- ``local[2,2]`` with fault injection: Spark retries the failed task, and the final
  table equals a clean run's (FakeEngine: deterministic, so equality is exact);
- the standalone two-worker cluster: the inference stage asks for one GPU per task
  (stage-level resource profile) and each partition ran on its own GPU address.
"""

from __future__ import annotations

import json

import pytest

from qrw.rewrite.job import run_rewrite

from .conftest import expected_queries, make_cfg, read_dictionary, read_runs, run_cli, search, small_log, write_log

CLI_BASE = [
    "--set", "engine.kind=fake",
    "--set", "rewrite.min_relevance=0",
    "--set", "rewrite.progress=false",
    "--set", "spark.shuffle_partitions=2",
    "--set", "spark.conf.spark.driver.memory=1g",
]  # fmt: skip


def _rows() -> list[tuple]:
    extra = [search(f"brand{i} sneakers size {40 + i}", u) for i in range(8) for u in ("u1", "u2")]
    return small_log() + extra


def _content(rows: dict[str, dict]) -> dict[str, dict]:
    """Everything but the run's wall-clock time."""
    return {k: {c: v for c, v in row.items() if c != "updated_at"} for k, row in rows.items()}


@pytest.mark.slow
def test_fault_injection_spark_retries_and_the_table_equals_a_clean_run(spark, tmp_path):
    rows = _rows()
    log = write_log(spark, tmp_path / "log", rows)
    clean_table, faulty_table = str(tmp_path / "clean"), str(tmp_path / "faulty")
    clean = run_rewrite(make_cfg(), search_log=log, model="fake", table=clean_table)

    proc = run_cli(
        "--search-log", log, "--model", "fake", "--table", faulty_table, *CLI_BASE,
        "--set", "spark.master=local[2,2]",  # local mode retries only with local[N,maxFailures]
        "--set", "rewrite.fail_once_after=2", "--set", "rewrite.fail_partition=0",
        "--set", "rewrite.arrow_batch_size=2", "--set", "rewrite.chunk_size=2",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "fault injection" in proc.stderr  # the first attempt really failed (its traceback is logged)

    clean_rows, faulty_rows = read_dictionary(spark, clean_table), read_dictionary(spark, faulty_table)
    assert set(clean_rows) == set(expected_queries(rows))
    assert _content(faulty_rows) == _content(clean_rows)  # same run id, same rewrites, same scores

    run = read_runs(spark, faulty_table)[clean["run_id"]]
    assert run["status"] == "succeeded"
    attempts = {(p["partition_id"], p["attempt"]) for p in json.loads(run["partitions"])}
    assert (0, 1) in attempts and (1, 0) in attempts, attempts  # partition 0 committed from its retry


@pytest.mark.cluster
@pytest.mark.slow
def test_standalone_cluster_one_gpu_per_inference_task(spark, standalone_master, tmp_path):
    rows = _rows()
    log = write_log(spark, tmp_path / "log", rows)
    table = str(tmp_path / "dict")
    proc = run_cli(
        "--search-log", log, "--model", "fake", "--table", table, *CLI_BASE,
        "--set", f"spark.master={standalone_master}",
        # Executors own the (fake) GPUs; only the inference stage's tasks ask for one.
        "--set", "spark.conf.spark.executor.resource.gpu.amount=1",
        "--set", "spark.conf.spark.executor.cores=1",
        "--set", "spark.conf.spark.executor.memory=768m",
        "--set", "spark.conf.spark.cores.max=2",
        "--set", "rewrite.gpus_per_task=1",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-4000:]
    got = read_dictionary(spark, table)
    assert set(got) == set(expected_queries(rows))
    run = next(iter(read_runs(spark, table).values()))
    assert run["status"] == "succeeded" and run["slots"] == 2
    partitions = json.loads(run["partitions"])
    # Two slots = two partitions, each on its own GPU address (worker 0 advertises "0", worker 1 "1").
    assert sorted(p["device"] for p in partitions) == ["0", "1"], partitions
    assert run["devices"] == ["0", "1"]
