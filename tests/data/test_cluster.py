"""The same command on a standalone master with two workers: same results as the local run."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.cluster
@pytest.mark.slow
def test_build_training_data_on_a_two_worker_cluster(standalone_master, handmade_built, spark, tmp_path, tmp_path_factory):
    out = tmp_path / "cluster_out"
    cmd = [
        str(ROOT / ".venv" / "bin" / "qrw"), "build-training-data",
        "--search-log", handmade_built.inputs["search_log"], "--catalog", handmade_built.inputs["catalog"], "--out", str(out),
        "--set", f"spark.master={standalone_master}",
        "--set", "spark.shuffle_partitions=4",
        "--set", "data.catalog_targets=true",  # as the local run (data_cfg)
        "--set", "data.relevance_task_share=0.5",
        "--set", "spark.conf.spark.executor.memory=768m",
        "--set", "spark.conf.spark.executor.cores=1",
        "--set", "spark.conf.spark.driver.memory=1g",
    ]
    started = time.time() - 1
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=540, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "Traceback" not in proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    local = handmade_built.summary
    for key in ("events", "queries", "pairs", "labels", "sft_mix", "splits"):
        assert summary[key] == local[key], key

    def rows(folder, table):
        df = spark.read.format("delta").load(str(folder / "tables" / table))
        return sorted(json.dumps(_rounded(r.asDict(recursive=True)), sort_keys=True, default=str) for r in df.collect())

    for table in ("rewrite_pairs", "relevance_examples", "sft"):
        assert rows(out, table) == rows(handmade_built.out, table), table
    # The application ran executors on both workers.
    fresh = [p for p in tmp_path_factory.getbasetemp().glob("standalone*/worker*/app-*") if p.stat().st_mtime >= started]
    assert len({p.parent.name for p in fresh}) == 2, fresh


def _rounded(value):
    """Floating sums may differ in the last bits with another partitioning; compare 9 digits."""
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value
