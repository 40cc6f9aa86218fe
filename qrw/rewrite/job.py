"""``qrw rewrite``: search log -> eligible new queries -> engines -> staging -> ONE MERGE.

The steps live in their own modules (selection, sharding, resources, infer,
writer, runs); this one only orders them and keeps the run's books:

1. fingerprint the log, read it (rejects go to ``{table}_rejects``), select the
   queries (window, eligibility, incremental skip of fresh entries);
2. derive the run id; a run that already succeeded is not redone (idempotent);
3. mark the run ``running``, shard to engine slots, run the inference stage into
   the staging table, MERGE once, mark ``succeeded`` - or ``failed`` with the error,
   leaving the dictionary untouched;
4. print a summary table and return it as a dict.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from ..config import QrwConfig
from ..io import read_search_log, write_rejects
from ..manifest import MANIFEST, check_tagging_quality, read_manifest
from ..spark import spark_session
from .infer import OUTPUT_DDL, InferSettings, engine_worker_pool, make_infer_fn
from .progress import query_progress
from .resources import inference_profile
from .runs import input_fingerprint, make_run_id, output_settings, read_run, record_run, utc_now
from .selection import QUERY_COLUMNS, record_user_sketches, select_queries
from .sharding import assign_slots, engine_slots, local_cores, set_arrow_batch_size, shard, slot_balance
from .writer import ensure_dictionary, merge_into_dictionary, read_staging, rejects_path, table_version, write_staging

log = logging.getLogger(__name__)


def resolve_model_version(cfg: QrwConfig, model: str) -> str:
    """From the model's manifest; the fake engine names itself (no model needed)."""
    if cfg.engine.kind in ("fake", "instant"):
        from ..engine import get_engine

        return get_engine(cfg.engine, model).model_version
    return str(read_manifest(model)["model_version"])


def _ts_literal(ts) -> F.Column:
    """A timestamp literal that means the same instant whatever the session or process time zone."""
    return F.lit(ts.isoformat()).cast("timestamp")


def inference_frame(spark: SparkSession, cfg: QrwConfig, assigned: DataFrame, slots: int, *, model: str, model_version: str, run_id: str, started, progress_dir: str | None) -> DataFrame:
    """Queries with their slot -> one partition per slot -> mapInArrow (with the GPU profile) -> staging rows."""
    sharded = shard(spark, assigned, slots, QUERY_COLUMNS)
    settings = InferSettings.from_config(cfg.engine, cfg.rewrite, model_dir=model, model_version=model_version, progress_dir=progress_dir)
    with engine_worker_pool(spark.sparkContext, settings, cfg.rewrite.worker_preload):
        rows = sharded.mapInArrow(make_infer_fn(settings), OUTPUT_DDL, profile=inference_profile(spark, cfg.rewrite))
    rows = rows.select(
        "*",
        F.lit(model_version).alias("model_version"),
        F.lit(run_id).alias("run_id"),
        _ts_literal(started).alias("updated_at"),
    )
    return rows


def staging_stats(spark: SparkSession, table: str, run_id: str) -> dict:
    """What the committed inference attempts did: rows, tokens, engine time, devices, per partition."""
    staged = read_staging(spark, table, run_id)
    parts = (
        staged.groupBy("partition_id", "attempt", "device")
        .agg(
            F.count(F.lit(1)).alias("queries"),
            F.sum(F.when(F.size("rewrites") > 0, 1).otherwise(0)).alias("with_rewrites"),
            F.sum(F.when(F.col("error").isNotNull(), 1).otherwise(0)).alias("errors"),
            F.sum("gen_tokens").alias("gen_tokens"),
            (F.sum("engine_ms") / 1000).alias("engine_s"),
            (F.sum("load_ms") / 1000).alias("load_s"),
            F.max("rss_peak_mb").alias("peak_rss_mb"),
            F.first("worker_pid").alias("worker_pid"),
        )
        .orderBy("partition_id")
        .collect()
    )
    partitions = [
        {
            **{k: r[k] for k in ("partition_id", "attempt", "device", "worker_pid", "queries", "with_rewrites", "errors")},
            "gen_tokens": int(r["gen_tokens"] or 0),
            "engine_s": round(float(r["engine_s"] or 0), 3),
            "load_s": round(float(r["load_s"] or 0), 3),
            "peak_rss_mb": round(float(r["peak_rss_mb"] or 0), 1),
            "queries_per_s": round(r["queries"] / r["engine_s"], 2) if r["engine_s"] else None,
            "tokens_per_s": round(float(r["gen_tokens"] or 0) / r["engine_s"], 1) if r["engine_s"] else None,
        }
        for r in parts
    ]
    return {
        "staged": sum(p["queries"] for p in partitions),
        "with_rewrites": sum(p["with_rewrites"] for p in partitions),
        "errors": sum(p["errors"] for p in partitions),
        "gen_tokens": sum(p["gen_tokens"] for p in partitions),
        "engine_s": sum(p["engine_s"] for p in partitions),
        "load_s": sum(p["load_s"] for p in partitions),
        "peak_rss_mb": max((p["peak_rss_mb"] for p in partitions), default=0.0),
        "devices": sorted({p["device"] for p in partitions}),
        "partitions": partitions,
    }


def infer_and_merge(spark: SparkSession, cfg: QrwConfig, selection, slots: int, *, model: str, model_version: str, run_id: str, table: str, started, timings: dict) -> tuple[dict, dict, dict]:
    """Selected queries -> engines -> staging -> ONE MERGE; (staging stats, merge metrics, shard balance).

    Nothing selected: no engine starts, nothing is staged or merged (the dictionary version stays).
    """
    stats: dict = {"staged": 0, "with_rewrites": 0, "errors": 0, "gen_tokens": 0, "engine_s": 0.0, "load_s": 0.0, "peak_rss_mb": 0.0, "devices": [], "partitions": []}
    if selection.counts["selected"] == 0:
        return stats, {"inserted": 0, "updated": 0, "merged": 0}, {}
    t = time.perf_counter()
    show_bar = cfg.rewrite.progress and local_cores(spark.sparkContext.master) is not None
    assigned = assign_slots(selection.queries, slots).cache()
    try:
        balance = slot_balance(assigned)
        timings["shard_s"] = time.perf_counter() - t
        t = time.perf_counter()
        with query_progress(selection.counts["selected"], show_bar) as progress_dir:
            rows = inference_frame(spark, cfg, assigned, slots, model=model, model_version=model_version, run_id=run_id, started=started, progress_dir=progress_dir)
            write_staging(rows, table)  # the inference stage: shuffle to slots, engines, staging commit
    finally:
        assigned.unpersist()
    timings["inference_s"] = time.perf_counter() - t
    stats = staging_stats(spark, table, run_id)
    t = time.perf_counter()
    merge = merge_into_dictionary(spark, table, run_id, staged=stats["staged"])
    timings["merge_s"] = time.perf_counter() - t
    return stats, merge, balance


def run_rewrite(cfg: QrwConfig, *, search_log: str, model: str, table: str, fmt: str | None = None) -> dict:
    """The nightly job; returns the run summary (also printed, and stored in ``{table}_runs``)."""
    started, t0 = utc_now(), time.perf_counter()
    timings: dict[str, float] = {}
    model_version = resolve_model_version(cfg, model)
    if cfg.engine.kind not in ("fake", "instant") or (Path(model) / MANIFEST).exists():  # before any Spark or engine work
        note = check_tagging_quality(read_manifest(model), cfg.rewrite.min_tagging_margin)
        if note:
            log.warning("%s", note)
    spark = spark_session(cfg)
    set_arrow_batch_size(spark, cfg.rewrite.arrow_batch_size)

    fingerprint = input_fingerprint(spark, search_log)
    loaded = read_search_log(spark, search_log, cfg.input, fmt)
    selection = select_queries(spark, loaded.valid, cfg.rewrite, table=table, model_version=model_version, now=started)
    timings["select_s"] = time.perf_counter() - t0
    settings = output_settings(cfg)
    run_id = make_run_id(search_log=search_log, fingerprint=fingerprint, model_version=model_version, window=selection.window.as_dict(), settings=settings)
    counts = {"events": loaded.total, "rejected": loaded.rejected, **selection.counts}
    base = {
        "run_id": run_id,
        "model_version": model_version,
        "search_log": search_log,
        "table": table,
        "input_fingerprint": fingerprint,
        "window_start": selection.window.as_dict()["start"],
        "window_end": selection.window.as_dict()["end"],
        "started_at": started,
        "settings": json.dumps(settings, sort_keys=True, default=str),
    }

    previous = read_run(spark, table, run_id)
    if previous and previous.get("status") == "succeeded" and not cfg.rewrite.force:
        summary = {
            **base,
            "status": "skipped",
            "reason": f"run {run_id} already succeeded at {previous.get('finished_at')}; --set rewrite.force=true redoes it",
            "counts": {**counts, "selected": 0, "staged": 0, "inserted": 0, "updated": 0},
            "engine_seconds": 0.0,
            "dictionary_version": table_version(spark, table),
            "timings": {**timings, "total_s": time.perf_counter() - t0},
        }
        selection.queries.unpersist()
        print_summary(summary)
        return summary

    record_run(spark, table, {**base, "status": "running", "counts": counts, "timings": timings})
    slots = None
    try:
        if loaded.rejected:
            write_rejects(loaded.rejects, rejects_path(table), run_id)
        ensure_dictionary(spark, table)
        slots = engine_slots(spark, cfg.rewrite)
        stats, merge, balance = infer_and_merge(
            spark, cfg, selection, slots, model=model, model_version=model_version, run_id=run_id, table=table, started=started, timings=timings
        )
        counts["user_sketches"] = sum(record_user_sketches(spark, table, selection).values())  # after the MERGE: the users window's books
    except BaseException as exc:
        timings["total_s"] = time.perf_counter() - t0
        failed = {**base, "status": "failed", "finished_at": utc_now(), "slots": slots, "counts": counts, "timings": timings, "error": f"{type(exc).__name__}: {str(exc)[:2000]}"}
        try:
            record_run(spark, table, failed)
        except Exception:  # noqa: BLE001 - never hide the run's own error behind a bookkeeping one
            log.exception("could not record the failed run %s", run_id)
        raise
    finally:
        selection.queries.unpersist()

    timings["total_s"] = time.perf_counter() - t0
    counts.update({"staged": stats["staged"], "with_rewrites": stats["with_rewrites"], "engine_errors": stats["errors"], "gen_tokens": stats["gen_tokens"], "inserted": merge["inserted"], "updated": merge["updated"]})
    inference_s = timings.get("inference_s", 0.0)
    summary = {
        **base,
        "status": "succeeded",
        "finished_at": utc_now(),
        "slots": slots,
        "counts": counts,
        "timings": timings,
        "engine_seconds": stats["engine_s"],
        "engine_load_seconds": stats["load_s"],
        "queries_per_s": round(stats["staged"] / inference_s, 2) if inference_s else None,
        "tokens_per_s": round(stats["gen_tokens"] / inference_s, 1) if inference_s else None,
        "peak_worker_rss_mb": stats["peak_rss_mb"],
        "devices": stats["devices"],
        "partitions": stats["partitions"],
        "shard_balance": balance,
        "dictionary_version": table_version(spark, table),
    }
    record_run(spark, table, {**summary, "partitions": json.dumps(stats["partitions"])})
    print_summary(summary)
    return summary


def print_summary(summary: dict) -> None:
    """The run at a glance (stderr, so stdout stays free for machine output)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"qrw rewrite {summary['run_id']}: {summary['status']}", show_header=False)
    table.add_column("what", style="bold")
    table.add_column("value")
    table.add_row("model_version", str(summary["model_version"]))
    table.add_row("window", f"{summary.get('window_start') or '...'} .. {summary.get('window_end')}")
    for key, value in summary.get("counts", {}).items():
        table.add_row(key, f"{value:,}" if isinstance(value, int) else str(value))
    for key in ("slots", "devices", "engine_seconds", "engine_load_seconds", "queries_per_s", "tokens_per_s", "peak_worker_rss_mb", "dictionary_version"):
        if summary.get(key) is not None:
            value = summary[key]
            table.add_row(key, f"{value:.2f}" if isinstance(value, float) else str(value))
    for key, value in summary.get("timings", {}).items():
        table.add_row(key, f"{value:.1f}")
    if summary.get("reason"):
        table.add_row("note", summary["reason"])
    Console(stderr=True).print(table)
