"""``qrw build-training-data``: logs + catalog (+ labels) -> SFT, GRPO and eval data.

Steps: read (rejects written) -> sessionize -> behaviour -> rewrite pairs ->
relevance examples -> splits -> SFT / GRPO / eval -> Delta tables -> JSONL exports
-> ``summary.json``. Degenerate but readable input (no clicks, products missing
from the catalog, titles missing) finishes with warnings and counts; input with
nothing to mine (no valid events or no valid products) raises :class:`QrwError`
after writing the rejects, leaving the previous outputs as they were: a run
that cannot produce training data should stop the pipeline, not hand an empty
data set to the trainer.

``user_id`` and session keys are used for counting only; no output carries them
(the rejects' records are written with ``user_id``/``session_id`` removed).
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from contextlib import contextmanager
from typing import Iterator

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.window import Window
from rich.console import Console

from .. import prompts
from ..config import QrwConfig
from ..errors import QrwError
from ..spark import local_cores
from ..io import read_catalog, read_labels, read_search_log, write_rejects
from ..io.readers import EVENT_TYPES
from ..spark import spark_session
from . import behaviour as bh
from . import pairs, splits, training_files
from . import labels as lb
from .profiles import profiles
from .sessions import sessionize

TABLES = ("behaviour", "rewrite_pairs", "relevance_examples", "sft", "grpo_prompts", "eval", "rejects")
EXPORTS = (
    *(f"{kind}_{split}.jsonl" for kind in ("sft", "grpo") for split in splits.SPLITS),
    *(f"relevance_{split}.jsonl" for split in splits.SPLITS),
    "query_splits.jsonl",
    "catalog.jsonl",
    "corpus.txt",
)
#: Warn when more than this share of engagement events point at products the catalog lacks.
UNKNOWN_PRODUCT_WARN_SHARE = 0.05
STEPS = 9


def run_id_for(search_log: str, catalog: str, labels_path: str | None, out: str, fmt: str | None) -> str:
    """Same inputs -> same id, so a rerun replaces its own rejects instead of adding more."""
    key = json.dumps([search_log, catalog, labels_path, out.rstrip("/"), fmt])
    return "data-" + hashlib.sha256(key.encode()).hexdigest()[:12]


class _Progress:
    """rich progress on the console for local runs; one line per step elsewhere (cluster logs)."""

    def __init__(self, enabled: bool) -> None:
        self.console = Console(stderr=True)
        self.enabled = enabled
        self._progress = None
        self._task = None
        self.seconds: dict[str, float] = {}

    def __enter__(self) -> "_Progress":
        if self.enabled:
            from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=self.console)
            self._progress.__enter__()
            self._task = self._progress.add_task("build-training-data", total=STEPS)
        return self

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        if self._progress is not None:
            self._progress.update(self._task, description=name)
        else:
            print(f"[qrw build-training-data] {name}", file=sys.stderr, flush=True)
        yield
        self.seconds[name] = round(time.perf_counter() - started, 2)
        if self._progress is not None:
            self._progress.advance(self._task)

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)


def _counts(df: DataFrame, *keys: str) -> dict:
    """{key: count} (keys joined with '/') from one groupBy."""
    out = {}
    for r in df.groupBy(*keys).count().collect():
        out["/".join("null" if r[k] is None else str(r[k]) for k in keys)] = r["count"]
    return dict(sorted(out.items()))


def _no_data_error(what: str, loaded, path: str) -> QrwError:
    reasons = ", ".join(f"{k}: {v}" for k, v in sorted(loaded.rejected_by_reason.items())) or "none"
    return QrwError(
        f"{what} at {path} has no valid rows ({loaded.total} read, {loaded.rejected} rejected; reasons: {reasons}). "
        f"Nothing to mine, previous outputs left as they were; check the path (or date partition) and the rejects table."
    )


def build_training_data(cfg: QrwConfig, *, search_log: str, catalog: str, labels: str | None, out: str, fmt: str | None) -> dict:
    """Run the whole job; returns (and writes, and prints) the summary."""
    out = out.rstrip("/")
    d = cfg.data
    splits.cuts(d.dev_fraction, d.test_fraction)  # bad fractions: a clear error before any work
    spark = spark_session(cfg)
    run_id = run_id_for(search_log, catalog, labels, out, fmt)
    local = local_cores(spark.sparkContext.master) is not None
    progress = _Progress(enabled=local)
    warnings: list[str] = []

    def keep(df: DataFrame) -> DataFrame:
        # Materialize and cut the lineage: later steps reuse these frames many times over,
        # and without the cut the query plan grows with every reuse (slow planning, then OOM).
        # The blocks go when the frame does (Spark's ContextCleaner).
        return df.localCheckpoint(eager=True)

    summary: dict = {"run_id": run_id, "out": out}
    with progress:
        with progress.step("reading inputs"):
            log = read_search_log(spark, search_log, cfg.input, fmt)
            cat = read_catalog(spark, catalog, fmt)
            lab = read_labels(spark, labels, fmt) if labels else None
            rejects = log.rejects.unionByName(cat.rejects)
            if lab is not None:
                rejects = rejects.unionByName(lab.rejects)
            write_rejects(rejects, f"{out}/tables/rejects", run_id)  # redacts user_id/session_id
            summary["inputs"] = {x.source: x.summary() for x in (log, cat, lab) if x is not None}
            summary["rejects"] = {f"{x.source}/{k}": v for x in (log, cat, lab) if x is not None for k, v in sorted(x.rejected_by_reason.items())}
            if log.valid_count == 0:
                raise _no_data_error("search_log", log, search_log)
            if cat.valid_count == 0:
                raise _no_data_error("catalog", cat, catalog)
            if cat.rejected:
                warnings.append(f"{cat.rejected} of {cat.total} catalog rows rejected ({_reasons(cat)}); events on them count as unknown products")
            if lab is not None and lab.valid_count == 0:
                warnings.append(f"relevance_labels at {labels} has no valid rows; using behaviour labels only")
            if log.rejected:
                warnings.append(f"{log.rejected} of {log.total} search_log rows rejected ({_reasons(log)})")

        with progress.step("sessionizing"):
            products = keep(training_files.catalog_text(cat.valid.select("product_id", "title", "brand", "category", "description")))
            events = keep(sessionize(log.valid, cfg.input.session_gap_minutes))
            summary["events"] = _event_counts(events, products, warnings)
            used = events.where(F.col("query_norm").isNotNull())

        with progress.step("per-query behaviour"):
            qp = keep(bh.query_products(used, products, d))
            cats = bh.category_distribution(qp, products)
            behaviour = keep(
                splits.assign(bh.behaviour(used, qp, cats, max_products=max(d.max_grpo_products, d.max_products_per_query)), d.dev_fraction, d.test_fraction)
            )
            q = behaviour.agg(F.count("*").alias("n"), F.sum((F.size("products") > 0).cast("long")).alias("p")).first()
            summary["queries"] = {"distinct": q["n"], "with_products": int(q["p"] or 0)}

        with progress.step("mining rewrite pairs"):
            overlap = keep(pairs.product_overlap(qp, d))
            prof = keep(profiles(behaviour))
            cands = keep(pairs.candidates(used, qp, overlap, behaviour, prof, products, d))
            rewrite_pairs = keep(splits.assign(pairs.combine(cands.where(F.col("drop_reason").isNull()), d), d.dev_fraction, d.test_fraction))
            summary["pairs"] = _pair_summary(cands, rewrite_pairs)
            if summary["pairs"]["kept"] == 0:
                warnings.append("no rewrite pairs survived the filters: the SFT rewrite task is empty (see pairs.dropped)")

        with progress.step("relevance examples"):
            dropped = cands.where(F.col("drop_reason").isNotNull())
            examples = keep(_examples(rewrite_pairs, dropped, behaviour, prof, qp, lab, products, d))
            before = _counts(examples, "grade", "source")
            balanced, caps = lb.balance(examples, d.label_balance_ratio)
            relevance = keep(splits.assign(balanced, d.dev_fraction, d.test_fraction, rewrite_col="rewrite_norm", held_out=behaviour))
            summary["labels"] = {"before_balance": before, "by_grade": _counts(relevance, "grade"), "by_source": _counts(relevance, "source")}
            if len(caps) < 3:
                warnings.append(f"relevance labels cover grades {sorted(caps)} only; the tagging task sees no other grade")

        with progress.step("SFT / GRPO / eval rows"):
            best = Window.partitionBy("query_norm").orderBy(F.desc("score"), "rewrite_norm")
            rw = (
                rewrite_pairs.withColumn("_r", F.row_number().over(best))
                .where(F.col("_r") <= d.max_rewrites_per_query)
                .drop("split")
            )
            rw = splits.assign(rw, d.dev_fraction, d.test_fraction, rewrite_col="rewrite_norm", held_out=behaviour).select(
                F.lit(prompts.TASK_REWRITE).alias("task"), "query_norm", "rewrite_norm", F.lit(None).cast("int").alias("grade"),
                F.col("signal").alias("source"), "split",
            )
            rel = relevance.where(~F.col("source").isin(*lb.SCORER_ONLY_SOURCES)).select(
                F.lit(prompts.TASK_RELEVANCE).alias("task"), "query_norm", "rewrite_norm", "grade", "source", "split"
            )
            mixed, mix = training_files.mix_tasks(rw.unionByName(rel), d.relevance_task_share)
            sft = keep(training_files.sft_rows(mixed))
            grpo = keep(training_files.grpo_rows(behaviour, d.max_grpo_products))
            eval_queries = _eval_table(behaviour, rewrite_pairs)
            summary["sft_mix"] = mix

        with progress.step("writing Delta tables"):
            tables = f"{out}/tables"
            for name, df in (  # all aggregates or pairs: no user or session column reaches them
                ("behaviour", behaviour),
                ("rewrite_pairs", rewrite_pairs),
                ("relevance_examples", relevance),
                ("sft", sft),
                ("grpo_prompts", grpo),
                ("eval", eval_queries),
            ):
                training_files.write_delta(df, f"{tables}/{name}")

        with progress.step("writing exports"):
            _write_exports(spark, out, sft, grpo, relevance, products, behaviour, d.write_corpus)
            summary["splits"] = _split_sizes(
                {"sft": sft, "grpo_prompts": grpo, "relevance_examples": relevance, "rewrite_pairs": rewrite_pairs, "behaviour": behaviour}
            )

        with progress.step("summary"):
            summary["warnings"] = warnings
            summary["seconds"] = progress.seconds
            summary["outputs"] = {"tables": {t: f"{tables}/{t}" for t in TABLES}, "export": {e: f"{out}/export/{e}" for e in EXPORTS}}
            training_files.write_json_file(spark, json.dumps(summary, indent=2, default=str), f"{out}/summary.json")
    _report(progress.console, summary)
    return summary


def _pair_summary(cands: DataFrame, rewrite_pairs: DataFrame) -> dict:
    """Candidates per signal, drops per (reason, signal), kept pairs per signal combination."""
    by_outcome = _counts(cands, "signal", "drop_reason")
    candidates: dict[str, int] = {}
    dropped: dict[str, int] = {}
    for key, n in by_outcome.items():
        signal, reason = key.split("/")
        candidates[signal] = candidates.get(signal, 0) + n
        if reason != "null":
            dropped[f"{reason}/{signal}"] = n
    kept = _counts(rewrite_pairs, "signal")
    return {"candidates_by_signal": candidates, "dropped": dict(sorted(dropped.items())), "kept_by_signal": kept, "kept": sum(kept.values())}


def _examples(rewrite_pairs, dropped, behaviour, prof, qp, lab, products, d) -> DataFrame:
    """Behaviour and catalog labels, with human labels (when given) taking precedence."""
    behavioural = lb.behaviour_examples(rewrite_pairs, dropped, behaviour, prof, d, products)
    if lab is None or not lab.valid_count:
        return behavioural
    human = lb.human_examples(lab.valid, qp, prof)
    titles = lb.human_title_examples(lab.valid, products, prof).join(human.select("query_norm", "rewrite_norm"), ["query_norm", "rewrite_norm"], "left_anti")
    return lb.merge_human(behavioural, human.unionByName(titles))


def _reasons(loaded) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(loaded.rejected_by_reason.items()))


def _event_counts(events: DataFrame, catalog: DataFrame, warnings: list[str]) -> dict:
    """Events by type, sessions, query-less and unknown-product events: one pass."""
    known = catalog.select("product_id", F.lit(True).alias("_known"))
    engagement = F.col("event_type") != "search"
    row = (
        events.join(known, "product_id", "left")
        .agg(
            *[F.sum((F.col("event_type") == t).cast("long")).alias(t) for t in EVENT_TYPES],
            F.countDistinct("session").alias("sessions"),
            F.sum((engagement & F.col("query_norm").isNull()).cast("long")).alias("unattributed"),
            F.sum((engagement & F.col("_known").isNull()).cast("long")).alias("unknown_product"),
        )
        .first()
    )
    by_type = {t: int(row[t] or 0) for t in EVENT_TYPES}
    unattributed, unknown = int(row["unattributed"] or 0), int(row["unknown_product"] or 0)
    n_engaged = sum(v for k, v in by_type.items() if k != "search")
    counts = {
        "valid": sum(by_type.values()),
        "by_type": by_type,
        "sessions": int(row["sessions"] or 0),
        "unattributed": unattributed,
        "unknown_product": unknown,
    }
    if by_type["search"] == 0:
        warnings.append("search_log has no search events: no query to mine")
    if n_engaged == 0:
        warnings.append(
            "search_log has no click/add_to_cart/order events: no behaviour signal to learn from; "
            "rewrite pairs, relevance examples and GRPO prompts are empty (behaviour, catalog and corpus are written)"
        )
    elif unknown > UNKNOWN_PRODUCT_WARN_SHARE * n_engaged:
        warnings.append(
            f"{unknown} of {n_engaged} click/cart/order events ({unknown / n_engaged:.0%}) name products missing from the catalog: "
            "they count as engagement but give no product or category signal (is the catalog from the same shop and date?)"
        )
    if unattributed:
        warnings.append(f"{unattributed} click/cart/order events have no query and no earlier search in their session; not used")
    return counts


def _eval_table(behaviour: DataFrame, rewrite_pairs: DataFrame) -> DataFrame:
    """Held-out (dev and test) queries with their behaviour ground truth and the mined reference rewrites."""
    held_out = F.col("split").isin(*splits.HELD_OUT)
    refs = rewrite_pairs.where(held_out).groupBy("query_norm").agg(
        F.sort_array(F.collect_list(F.struct(F.col("score"), F.col("rewrite_norm"), F.col("signal"))), asc=False).alias("_refs")
    ).select("query_norm", F.transform("_refs", lambda s: F.struct(s["rewrite_norm"].alias("rewrite_norm"), s["score"].alias("score"), s["signal"].alias("signal"))).alias("references"))
    ev = behaviour.where(held_out).join(refs, "query_norm", "left")
    return ev.withColumn("references", F.coalesce("references", F.array().cast("array<struct<rewrite_norm:string,score:double,signal:string>>")))


def _write_exports(spark, out: str, sft: DataFrame, grpo: DataFrame, rel: DataFrame, catalog: DataFrame, behaviour: DataFrame, write_corpus: bool) -> None:
    """The JSONL files: one per split for SFT, GRPO and the labelled relevance pairs, the query -> split map.

    ``query_splits.jsonl`` is how later stages learn the split without recomputing it
    (``qrw train bootstrap --data`` pretrains on train queries only; ``qrw evaluate``
    reports test queries). ``corpus.txt`` holds train queries only.
    """
    ex = f"{out}/export"
    for split in splits.SPLITS:
        rows = sft.where(F.col("split") == split).select("task", "prompt", "completion", F.xxhash64(F.to_json("prompt")).alias("_h"))
        training_files.write_jsonl(spark, rows, f"{ex}/sft_{split}.jsonl", order=["task", "_h"], drop=["_h"])
        rows = grpo.where(F.col("split") == split).select("prompt", "query", "query_norm", "products")
        training_files.write_jsonl(spark, rows, f"{ex}/grpo_{split}.jsonl", order=["query_norm"])
    for split in splits.SPLITS:  # train: `qrw train relevance` learns from it; dev/test: tagging metrics and calibration
        rows = rel.where(F.col("split") == split).select(F.col("query_norm").alias("query"), F.col("rewrite_norm").alias("rewrite"), "grade")
        training_files.write_jsonl(spark, rows, f"{ex}/relevance_{split}.jsonl", order=["query", "rewrite"])
    training_files.write_jsonl(spark, behaviour.select("query_norm", "split"), f"{ex}/query_splits.jsonl", order=["query_norm"])
    training_files.write_jsonl(spark, training_files.catalog_docs(catalog), f"{ex}/catalog.jsonl", order=["product_id"])
    if write_corpus:
        train_queries = behaviour.where(F.col("split") == splits.TRAIN)
        training_files.write_lines(spark, training_files.corpus_lines(catalog, train_queries), f"{ex}/corpus.txt")


def _split_sizes(frames: dict[str, DataFrame]) -> dict:
    """Rows per split of each output table (one job)."""
    union = None
    for name, df in frames.items():
        part = df.select(F.lit(name).alias("table"), "split")
        union = part if union is None else union.unionByName(part)
    sizes: dict = {name: {} for name in frames}
    for r in union.groupBy("table", "split").count().collect():
        sizes[r["table"]][r["split"]] = r["count"]
    return {name: dict(sorted(v.items())) for name, v in sizes.items()}


def _report(console: Console, summary: dict) -> None:
    for w in summary.get("warnings", []):
        console.print(f"[yellow]warning:[/yellow] {w}")
    print(json.dumps(summary, indent=2, default=str))
