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
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from ..config import QrwConfig
from ..errors import QrwError
from ..io import read_search_log, write_rejects
from ..grounding import Grounding
from ..lexicon import Lexicon
from ..retrieval import TitleIndex
from ..manifest import MANIFEST, check_tagging_quality, read_manifest, require_weights
from ..spark import spark_session
from ..tables import latest_version, rejects_path
from .infer import OUTPUT_SCHEMA, InferSettings, make_infer_fn
from .progress import query_progress
from .resources import inference_profile
from .lexical import lexicon_source_version, load_lexicon
from .retrieved import candidate_source_version, load_catalog
from .scoring import Scoring, resolve_scoring
from .runs import RunSummary, claim_table, input_fingerprint, is_concurrent_commit, make_run_id, output_settings, read_run, record_run, utc_now
from .selection import QUERY_COLUMNS, record_user_sketches, select_queries
from .sharding import assign_slots, engine_slots, local_cores, set_arrow_batch_size, shard, slot_balance
from .workers import engine_worker_pool
from .writer import ensure_dictionary, merge_into_dictionary, read_staging, write_staging

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


@dataclass(frozen=True)
class RunContext:
    """What every step of one run needs to know about the run, passed down as one object."""

    spark: SparkSession
    cfg: QrwConfig
    search_log: str
    model: str
    table: str
    model_version: str
    run_id: str
    started: datetime
    #: Step -> seconds, filled in as the run goes (printed and stored with the run).
    timings: dict[str, float] = field(default_factory=dict)
    #: Which model scores, its calibration and the threshold applied (qrw.rewrite.scoring).
    scoring: Scoring | None = None
    #: The policy's own model_version (``model_version`` is the rows', which names scorer and calibration too).
    policy_version: str | None = None
    #: The catalog titles that join the candidates (qrw.rewrite.retrieved); None: the LLM's alone.
    retriever: TitleIndex | None = None
    #: The term lexicon whose rewrite joins the candidates (qrw.rewrite.lexical); None: none.
    lexicon: Lexicon | None = None
    #: Scores by the titles each candidate retrieves (rewrite.grounding, qrw.grounding); None: by its text.
    grounding: Grounding | None = None


def infer_settings(ctx: RunContext, progress_dir: str | None = None) -> InferSettings:
    return InferSettings.from_config(
        ctx.cfg.engine, ctx.cfg.rewrite, model_dir=ctx.model, model_version=ctx.model_version, progress_dir=progress_dir,
        scoring=ctx.scoring, policy_version=ctx.policy_version, retriever=ctx.retriever, lexicon=ctx.lexicon,
        grounding=ctx.grounding,
    )


def inference_frame(ctx: RunContext, assigned: DataFrame, slots: int, progress_dir: str | None) -> DataFrame:
    """Queries with their slot -> one partition per slot -> mapInArrow (with the GPU profile) -> staging rows."""
    spark, cfg = ctx.spark, ctx.cfg
    sharded = shard(spark, assigned, slots, QUERY_COLUMNS)
    settings = infer_settings(ctx, progress_dir)
    with engine_worker_pool(spark.sparkContext, settings, cfg.rewrite.worker_preload):
        rows = sharded.mapInArrow(make_infer_fn(settings), OUTPUT_SCHEMA, profile=inference_profile(spark, cfg.rewrite))
    return rows.select(
        "*",
        F.lit(ctx.model_version).alias("model_version"),
        F.lit(ctx.run_id).alias("run_id"),
        _ts_literal(ctx.started).alias("updated_at"),
    )


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


def infer_and_merge(ctx: RunContext, selection, slots: int) -> tuple[dict, dict, dict]:
    """Selected queries -> engines -> staging -> ONE MERGE; (staging stats, merge metrics, shard balance).

    Nothing selected: no engine starts, nothing is staged or merged (the dictionary version stays).
    """
    spark, timings = ctx.spark, ctx.timings
    stats: dict = {"staged": 0, "with_rewrites": 0, "errors": 0, "gen_tokens": 0, "engine_s": 0.0, "load_s": 0.0, "peak_rss_mb": 0.0, "devices": [], "partitions": []}
    if selection.counts["selected"] == 0:
        return stats, {"inserted": 0, "updated": 0, "merged": 0}, {}
    t = time.perf_counter()
    show_bar = ctx.cfg.rewrite.progress and local_cores(spark.sparkContext.master) is not None
    assigned = assign_slots(selection.queries, slots).cache()
    try:
        balance = slot_balance(assigned)
        timings["shard_s"] = time.perf_counter() - t
        t = time.perf_counter()
        with query_progress(selection.counts["selected"], show_bar) as progress_dir:
            rows = inference_frame(ctx, assigned, slots, progress_dir)
            write_staging(rows, ctx.table, ctx.run_id)  # the inference stage: shuffle to slots, engines, staging commit
    finally:
        assigned.unpersist()
    timings["inference_s"] = time.perf_counter() - t
    stats = staging_stats(spark, ctx.table, ctx.run_id)
    t = time.perf_counter()
    merge = merge_into_dictionary(spark, ctx.table, ctx.run_id, staged=stats["staged"])
    timings["merge_s"] = time.perf_counter() - t
    return stats, merge, balance


def measure_golden(ctx: RunContext, base: RunSummary, golden) -> RunSummary:
    """Score the golden relevance pairs with the run's scorer (before inference: a failure merges nothing)."""
    from dataclasses import replace

    from .golden import score_golden

    t = time.perf_counter()
    result = score_golden(ctx.spark, infer_settings(ctx), golden, profile=inference_profile(ctx.spark, ctx.cfg.rewrite), preload=ctx.cfg.rewrite.worker_preload)
    ctx.timings["golden_s"] = time.perf_counter() - t
    result["path"] = ctx.cfg.serve.golden_relevance
    log.warning(
        "golden relevance: %d pairs, accuracy %.3f, AUC %s at min_relevance %.4f (%s)",
        result["pairs"], result["accuracy"], result["auc"], result["threshold"], ctx.cfg.serve.golden_relevance,
    )
    return replace(base, golden_relevance_accuracy=result["accuracy"], golden_relevance_auc=result["auc"], golden_relevance=result)


def record_failure(spark: SparkSession, table: str, failed: RunSummary) -> None:
    """Record a failed run; retried once, since the failed stage's tasks may still be being
    cancelled (a write right after can lose its task to that). Never raises: the run's own
    error is what the caller must see."""
    for attempt in (1, 2):
        try:
            record_run(spark, table, failed.record())
            return
        except Exception:  # noqa: BLE001
            if attempt == 2:
                log.exception("could not record the failed run %s", failed.run_id)
            else:
                time.sleep(2.0)


def check_inputs(cfg: QrwConfig, *, search_log: str, model: str) -> None:
    """Clear errors for what can be checked before Spark starts: the log path, the model files."""
    from urllib.parse import urlparse

    parsed = urlparse(search_log)
    local = parsed.scheme in ("", "file") and not any(ch in search_log for ch in "*?[{")  # Spark globs: leave to Spark
    if local and not Path(parsed.path if parsed.scheme else search_log).expanduser().exists():
        raise QrwError(f"--search-log {search_log} does not exist")
    if cfg.engine.kind in ("fake", "instant"):
        if (Path(model) / MANIFEST).exists():
            read_manifest(model)  # names the file when it is empty, truncated or not an object
        return
    if not Path(model).expanduser().is_dir():
        raise QrwError(f"--model {model} is not a directory: pass the folder `qrw train sft`/`qrw train grpo` wrote")
    read_manifest(model)
    require_weights(model)


def run_rewrite(cfg: QrwConfig, *, search_log: str, model: str, table: str, fmt: str | None = None) -> dict:
    """The nightly job; returns the run summary (also printed, and stored in ``{table}_runs``)."""
    started, t0 = utc_now(), time.perf_counter()
    timings: dict[str, float] = {}
    check_inputs(cfg, search_log=search_log, model=model)  # before any Spark or engine work
    policy_version = resolve_model_version(cfg, model)
    scoring = resolve_scoring(cfg, policy=model, policy_version=policy_version)
    scorer = scoring.model_dir
    if cfg.engine.kind not in ("fake", "instant") or (Path(scorer) / MANIFEST).exists():
        # the scorer's tagging is what ranks and filters the rewrites
        note = check_tagging_quality(read_manifest(scorer), cfg.rewrite.min_tagging_margin)
        if note:
            log.warning("%s", note)
    log.warning("relevance: scored by %s (%s); min_relevance %.4f from %s", scorer, scoring.model_version, scoring.min_relevance, scoring.min_relevance_source)
    golden = None
    spark = spark_session(cfg)
    set_arrow_batch_size(spark, cfg.rewrite.arrow_batch_size)
    if cfg.serve.golden_relevance:
        from ..golden_relevance import read_pairs

        golden = read_pairs(spark, cfg.serve.golden_relevance)  # a bad file fails before anything is read or claimed

    retriever, grounding = load_catalog(spark, cfg.rewrite)  # a bad catalog fails before anything is read or claimed
    lexicon = load_lexicon(cfg.rewrite)  # so does a wrong lexicon directory
    model_version = candidate_source_version(scoring.dictionary_model_version(policy_version), retriever, cfg.rewrite.retrieval_candidates, cfg.rewrite.retrieval_when)
    model_version = lexicon_source_version(model_version, lexicon)
    if grounding is not None and retriever is None:  # grounded scores depend on the catalog: a new one redoes entries
        model_version = f"{model_version}+catalog:{grounding.digest}"
    fingerprint = input_fingerprint(spark, search_log)
    loaded = read_search_log(spark, search_log, cfg.input, fmt)
    if loaded.valid_count == 0:
        reasons = ", ".join(f"{n} {why}" for why, n in sorted(loaded.rejected_by_reason.items())) or "the input is empty"
        raise QrwError(f"{search_log} has no valid events ({loaded.total} rows: {reasons}); nothing was written")
    selection = select_queries(spark, loaded.valid, cfg.rewrite, table=table, model_version=model_version, now=started)
    timings["select_s"] = time.perf_counter() - t0
    # the golden measurement is part of what a run produces: configuring it makes a new run, not a skipped one
    settings = {**output_settings(cfg), "scoring": {**scoring.settings(), "golden_relevance": cfg.serve.golden_relevance}}
    run_id = make_run_id(search_log=search_log, fingerprint=fingerprint, model_version=model_version, window=selection.window.as_dict(), settings=settings)
    ctx = RunContext(spark=spark, cfg=cfg, search_log=search_log, model=model, table=table, model_version=model_version, run_id=run_id, started=started, timings=timings,
                     scoring=scoring, policy_version=policy_version, retriever=retriever, lexicon=lexicon, grounding=grounding)
    base = RunSummary.begin(
        ctx,
        fingerprint=fingerprint,
        window=selection.window.as_dict(),
        settings=json.dumps(settings, sort_keys=True, default=str),
        counts={"events": loaded.total, "rejected": loaded.rejected, **selection.counts,
                **({"catalog_titles": len(retriever.titles)} if retriever is not None else {}),
                **({"lexicon_words": len(lexicon.terms)} if lexicon is not None else {})},
    )

    previous = read_run(spark, table, run_id)
    # A run whose engine failed on some queries is not done: rerunning it retries just those.
    retry = bool(previous and (previous.get("counts") or {}).get("engine_errors"))
    if previous and previous.get("status") == "succeeded" and not retry and not cfg.rewrite.force:
        timings["total_s"] = time.perf_counter() - t0
        summary = base.skipped(
            f"run {run_id} already succeeded at {previous.get('finished_at')}; --set rewrite.force=true redoes it",
            dictionary_version=latest_version(spark, table),
        )
        selection.queries.unpersist()
        print_summary(summary)
        return summary.as_dict()

    try:
        abandoned = claim_table(spark, table, run_id, started)
    except QrwError:
        selection.queries.unpersist()
        raise
    if abandoned:
        log.warning("runs %s stopped without an outcome (killed?): marked abandoned", ", ".join(abandoned))
    record_run(spark, table, base.record())
    slots = None
    try:
        if loaded.rejected:
            write_rejects(loaded.rejects, rejects_path(table), run_id)
        ensure_dictionary(spark, table)
        if golden is not None:
            base = measure_golden(ctx, base, golden)
        slots = engine_slots(spark, cfg.rewrite)
        stats, merge, balance = infer_and_merge(ctx, selection, slots)
        base.counts["user_sketches"] = sum(record_user_sketches(spark, table, selection).values())  # after the MERGE: the users window's books
    except BaseException as exc:
        timings["total_s"] = time.perf_counter() - t0
        record_failure(spark, table, base.failed(exc, slots=slots))
        if is_concurrent_commit(exc):
            raise QrwError(
                f"another run committed to {table} while run {run_id} was writing ({type(exc).__name__}); "
                "nothing of this run was merged: retry when the other run has finished"
            ) from None
        raise
    finally:
        selection.queries.unpersist()

    timings["total_s"] = time.perf_counter() - t0
    summary = base.succeeded(stats, merge, balance, slots=slots, dictionary_version=latest_version(spark, table))
    record_run(spark, table, summary.record())
    print_summary(summary)
    return summary.as_dict()


#: What the summary table shows besides counts and timings, in order (each is a RUNS_SCHEMA column).
PRINTED = (
    "model_version", "window_start", "window_end", "slots", "devices", "engine_seconds", "engine_load_seconds", "queries_per_s", "tokens_per_s",
    "peak_worker_rss_mb", "dictionary_version", "scorer_model", "min_relevance_applied", "min_relevance_source", "golden_relevance_accuracy",
    "golden_relevance_auc", "reason",
)


def print_summary(summary: RunSummary) -> None:
    """The run at a glance (stderr, so stdout stays free for machine output)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"qrw rewrite {summary.run_id}: {summary.status}", show_header=False)
    table.add_column("what", style="bold")
    table.add_column("value")
    for key, value in summary.counts.items():
        table.add_row(key, f"{value:,}" if isinstance(value, int) else str(value))
    for key in PRINTED:
        value = getattr(summary, key)
        if value is not None:
            table.add_row(key, f"{value:.2f}" if isinstance(value, float) else str(value))
    for key, value in summary.timings.items():
        table.add_row(key, f"{value:.1f}")
    Console(stderr=True).print(table)
