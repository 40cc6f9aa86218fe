"""Bad input finishes with a clear message and counts, never a stack trace (through the real CLI).

The catalog with missing titles is covered on the hand-made run (test_job_handmade.py).
An empty log is an error (exit 2): there is nothing to train on, and a run that
cannot produce training data should stop the pipeline instead of handing the
trainer an empty set; the previous outputs stay as they were and the rejects
(if any) are written, so the counts are kept.
"""

from __future__ import annotations

import json

import pandas as pd
from click.testing import CliRunner

from qrw.cli import main

import handmade


def _run(inputs: dict, out, *extra: str):
    """The CLI in-process: it reuses the test session's Spark (the ``spark`` fixture must be active)."""
    args = ["build-training-data", "--search-log", inputs["search_log"], "--catalog", inputs["catalog"], "--out", str(out)]
    args += ["--set", "spark.shuffle_partitions=2", *extra]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def _summary(out) -> dict:
    return json.loads((out / "summary.json").read_text())


def _lines(out, name: str) -> list[str]:
    return [line for line in (out / "export" / name).read_text().splitlines() if line.strip()]


def test_log_with_only_searches(tmp_path, spark):
    log = handmade.search_log_frame()
    inputs = {
        "search_log": handmade.write_csv(log[log["event_type"] == "search"], tmp_path / "log.csv"),
        "catalog": handmade.write_csv(handmade.catalog_frame(), tmp_path / "catalog.csv"),
    }
    result = _run(inputs, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "no click/add_to_cart/order events" in result.output
    s = _summary(tmp_path / "out")
    assert s["events"]["by_type"]["search"] == int((log["event_type"] == "search").sum())
    assert s["pairs"]["kept"] == 0 and s["splits"]["grpo_prompts"] == {}
    assert s["queries"]["distinct"] == len(handmade.INTENT)
    assert _lines(tmp_path / "out", "sft_train.jsonl") == [] and _lines(tmp_path / "out", "grpo_train.jsonl") == []
    assert len(_lines(tmp_path / "out", "catalog.jsonl")) == len(handmade.CATALOG)


def test_log_whose_products_are_not_in_the_catalog(tmp_path, spark):
    log = handmade.search_log_frame()
    log["product_id"] = log["product_id"].map(lambda p: None if p is None or pd.isna(p) else f"other-shop-{p}")
    inputs = {
        "search_log": handmade.write_csv(log, tmp_path / "log.csv"),
        "catalog": handmade.write_csv(handmade.catalog_frame(), tmp_path / "catalog.csv"),
    }
    result = _run(inputs, tmp_path / "out")
    assert result.exit_code == 0, result.output
    n_engaged = int((log["event_type"] != "search").sum())
    assert f"{n_engaged} of {n_engaged} click/cart/order events (100%) name products missing from the catalog" in result.output
    s = _summary(tmp_path / "out")
    assert s["events"]["unknown_product"] == n_engaged
    # Engagement still tells which reformulation succeeded; products and categories are unknown.
    assert s["pairs"]["kept_by_signal"].get("reformulation", 0) >= 4
    assert "graph" not in s["pairs"]["candidates_by_signal"]
    assert _lines(tmp_path / "out", "grpo_train.jsonl") == []


def test_empty_log_is_a_clear_error_and_leaves_previous_outputs(tmp_path, spark):
    empty = handmade.search_log_frame().iloc[0:0]
    inputs = {
        "search_log": handmade.write_csv(empty, tmp_path / "log.csv"),
        "catalog": handmade.write_csv(handmade.catalog_frame(), tmp_path / "catalog.csv"),
    }
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "summary.json").write_text('{"previous": true}')
    result = _run(inputs, tmp_path / "out")
    assert result.exit_code == 2
    assert "error: search_log at" in result.output and "has no valid rows (0 read, 0 rejected" in result.output
    assert _summary(tmp_path / "out") == {"previous": True}


def test_log_with_every_row_rejected_keeps_the_rejects(tmp_path, spark):
    log = handmade.search_log_frame().head(6).copy()
    log["event_type"] = "hover"
    inputs = {
        "search_log": handmade.write_csv(log, tmp_path / "log.csv"),
        "catalog": handmade.write_csv(handmade.catalog_frame(), tmp_path / "catalog.csv"),
    }
    result = _run(inputs, tmp_path / "out")
    assert result.exit_code == 2
    assert "has no valid rows (6 read, 6 rejected; reasons: unknown event_type: hover: 6)" in result.output
    rejects = spark.read.format("delta").load(str(tmp_path / "out" / "tables" / "rejects")).collect()
    assert len(rejects) == 6 and all("user_id" not in r["record"] and "user0" not in r["record"] for r in rejects)
    assert all(json.loads(r["record"])["event_type"] == "hover" for r in rejects)
