"""Quality gates: may the latest dictionary version go live?

Each gate is a small pure function over numbers measured by Spark
(:func:`measure`, :func:`compare`, :func:`golden_hits`) and returns a
:class:`GateResult` ``(ok, metric, threshold, message)``; the message says what
to do when it blocks. Gates other than the schema/contract ones look at the
*publishable* rows (after the privacy and PII filters), i.e. what the online side would get.
"""

from __future__ import annotations

import json
from typing import NamedTuple

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from ..config import ServeSection
from ..errors import QrwError
from ..normalize import normalize
from .pii import KINDS as PII_KINDS
from .snapshot import CONTRACT_COLUMNS, PII_COLUMN, USERS_COLUMN, scrub


class GateResult(NamedTuple):
    ok: bool
    metric: float | None
    threshold: float | None
    message: str


# --- measuring (Spark) -------------------------------------------------------------------


def _text_checks(query_norm, texts) -> tuple[bool, bool, bool]:
    """Checks that need THE normalize (Python): self-rewrites, unnormalized keys, blank rewrites."""
    key = query_norm or ""
    normed = [normalize(t) for t in (texts if texts is not None else [])]
    return any(t == key for t in normed), normalize(key) != key, any(t == "" for t in normed)


def _rewrites() -> F.Column:
    return F.coalesce(F.col("rewrites"), F.array().cast(CONTRACT_COLUMNS["rewrites"]))


def _top_rewrite() -> F.Column:
    return F.try_element_at(_rewrites(), F.lit(1))["rewrite"]


def measure(candidate: DataFrame, published: DataFrame | None, cfg: ServeSection, max_ids: int = 50) -> dict:
    """Everything the gates need in ONE Spark job (jobs, not rows, dominate at nightly-dictionary sizes).

    Contract violations count over the whole candidate; serving stats over its
    publishable rows (privacy filter); churn/size against the publishable rows
    of ``published`` through a full outer join on ``query_norm``.
    """
    # only the strings cross to Python, over Arrow: ~3x cheaper than pickling the structs
    text = F.udf(lambda q, t: _text_checks(q, t), "struct<self_rewrite:boolean,unnormalized_key:boolean,blank_rewrite:boolean>", useArrow=True)
    candidate = scrub(candidate, cfg.pii)
    published = scrub(published, cfg.pii) if published is not None else None
    rw = _rewrites()
    scores = F.transform(rw, lambda r: r["score"])
    users = F.col(USERS_COLUMN)
    users_ok = users.isNotNull() & (users >= F.lit(int(cfg.min_users)))
    pii_key = F.col(PII_COLUMN)["key"]
    safe = users_ok & pii_key.isNull()
    present = F.col("_cand")
    covered = F.exists(rw, lambda r: r["relevance"] >= F.lit(float(cfg.coverage_min_relevance)))

    df = candidate.withColumn("_cand", F.lit(True)).withColumn("_top", _top_rewrite())
    if published is not None:
        old = published.where(safe).select(F.col("query_norm").alias("_pkey"), _top_rewrite().alias("_ptop"))
        df = df.join(old, df["query_norm"] == old["_pkey"], "full_outer")
        present = F.coalesce(present, F.lit(False))
    else:
        df = df.withColumn("_pkey", F.lit(None).cast("string")).withColumn("_ptop", F.lit(None).cast("string"))
    both = present & safe & F.col("_pkey").isNotNull()

    def count_if(cond) -> F.Column:
        return F.sum(F.when(cond, 1).otherwise(0)).cast("long")

    def ids(column: str) -> F.Column:
        return F.slice(F.array_sort(F.collect_set(F.when(present, F.col(column)))), 1, max_ids)

    row = df.withColumn("_t", text(F.col("query_norm"), F.transform(rw, lambda r: r["rewrite"]))).agg(
        count_if(present).alias("rows_total"),
        F.countDistinct("query_norm").alias("distinct_keys"),
        count_if(present & F.col("query_norm").isNull()).alias("null_keys"),
        count_if(present & F.exists(rw, lambda r: r["relevance"].isNull() | (r["relevance"] < 0) | (r["relevance"] > 1))).alias("bad_relevance"),
        count_if(present & (F.exists(rw, lambda r: r["score"].isNull() | F.isnan(r["score"])) | ~(scores == F.sort_array(scores, asc=False)))).alias("unsorted"),
        count_if(present & F.col("_t.self_rewrite")).alias("self_rewrites"),
        count_if(present & F.col("_t.unnormalized_key")).alias("unnormalized_keys"),
        count_if(present & F.col("_t.blank_rewrite")).alias("blank_rewrites"),
        count_if(present & safe).alias("rows"),
        count_if(present & ~users_ok).alias("privacy_filtered"),
        *[count_if(present & users_ok & (pii_key == F.lit(k))).alias(f"pii_keys_{k}") for k in PII_KINDS],
        *[
            F.sum(F.when(present & safe, F.size(F.filter(F.col(PII_COLUMN)["rewrites"], lambda x: x == F.lit(k)))).otherwise(0)).cast("long").alias(f"pii_rewrites_{k}")
            for k in PII_KINDS
        ],
        count_if(present & safe & covered).alias("covered"),
        count_if(present & safe & (F.size(rw) > 0)).alias("with_rewrites"),
        F.sum(F.when(present & safe, F.try_element_at(rw, F.lit(1))["relevance"])).alias("sum_top_relevance"),
        F.countDistinct("_pkey").alias("published_rows"),
        count_if(both).alias("common"),
        count_if(both & ~F.col("_top").eqNullSafe(F.col("_ptop"))).alias("changed"),
        ids("run_id").alias("run_ids"),
        ids("model_version").alias("model_versions"),
    ).first()
    stats = row.asDict()
    stats["sum_top_relevance"] = float(stats["sum_top_relevance"] or 0.0)
    # countDistinct skips null keys, which the null_keys check reports on its own
    stats["duplicate_keys"] = stats["rows_total"] - stats["distinct_keys"] - stats["null_keys"]
    if published is None:
        for k in ("published_rows", "common", "changed"):
            stats[k] = None
    stats["pii"] = {
        "keys": {k: int(stats.pop(f"pii_keys_{k}") or 0) for k in PII_KINDS},
        "rewrites": {k: int(stats.pop(f"pii_rewrites_{k}") or 0) for k in PII_KINDS},
    }
    return stats


def pii_gate(stats: dict, cfg: ServeSection) -> GateResult:
    """Never blocks: reports what the PII filter held back (keys: whole entries; rewrites: single rewrites)."""
    pii = stats["pii"]
    keys, rewrites = sum(pii["keys"].values()), sum(pii["rewrites"].values())
    if not cfg.pii.enabled:
        return GateResult(True, None, None, "PII filter off (serve.pii.enabled=false)")

    def detail(counts: dict) -> str:
        return ", ".join(f"{k} {v}" for k, v in counts.items() if v) or "none"

    return GateResult(True, float(keys + rewrites), None, f"held back {keys} keys ({detail(pii['keys'])}) and {rewrites} rewrites ({detail(pii['rewrites'])}) carrying personal data")


def read_golden(spark: SparkSession, path: str) -> list[tuple[str, list[str]]]:
    """Golden set lines ``{"query": ..., "expected": [words] | "words"}`` as (key, expected words), normalized."""
    try:
        lines = [r[0] for r in spark.read.text(path).collect()]
    except Exception as exc:
        raise QrwError(f"cannot read the golden set serve.golden_set={path}: {str(exc).splitlines()[0][:200]}") from None
    items = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            expected = obj["expected"]
            words = expected.split() if isinstance(expected, str) else [w for e in expected for w in str(e).split()]
            items.append((normalize(obj["query"]), [normalize(w) for w in words if normalize(w)]))
        except (ValueError, KeyError, TypeError) as exc:
            raise QrwError(
                f"golden set {path} line {n} is not {{\"query\": ..., \"expected\": [words]}} ({exc!r}); fix or remove that line"
            ) from None
    return items


def golden_hits(publishable: DataFrame, golden: list[tuple[str, list[str]]]) -> tuple[int, int]:
    """(hits, total): a golden query hits when one of its served rewrites holds an expected word."""
    keys = sorted({k for k, _ in golden})
    served = {
        r["query_norm"]: [set(normalize(x["rewrite"]).split()) for x in (r["rewrites"] or [])]
        for r in publishable.where(F.col("query_norm").isin(keys)).select("query_norm", "rewrites").collect()
    }
    hits = sum(1 for key, words in golden if any(set(words) & toks for toks in served.get(key, [])))
    return hits, len(golden)


# --- gates (pure) ---------------------------------------------------------------------------


def schema_gate(df: DataFrame) -> GateResult:
    have = {f.name: f.dataType.simpleString() for f in df.schema.fields}
    missing = [c for c in CONTRACT_COLUMNS if c not in have]
    wrong = [f"{c} is {have[c]}, not {t}" for c, t in CONTRACT_COLUMNS.items() if c in have and not _type_ok(have[c], t)]
    problems = [f"missing {c}" for c in missing] + wrong
    if problems:
        return GateResult(False, float(len(problems)), 0.0, "schema breaks the rewrite_dictionary contract: " + "; ".join(problems) + " (fix the batch job's output)")
    return GateResult(True, 0.0, 0.0, "contract columns and types present")


def _type_ok(have: str, want: str) -> bool:
    if have == want:
        return True
    # rewrites may carry extra struct fields; the export selects the three it needs
    return want.startswith("array<struct<") and have.startswith(want[:-2]) and have.endswith(">>")


def contract_gate(stats: dict) -> GateResult:
    problems = {
        "duplicate query_norm": stats["duplicate_keys"],
        "null query_norm": stats["null_keys"],
        "query_norm not normalize()d": stats["unnormalized_keys"],
        "relevance outside [0,1]": stats["bad_relevance"],
        "rewrites not best-first by score": stats["unsorted"],
        "a rewrite equal to its query": stats["self_rewrites"],
        "a blank rewrite": stats["blank_rewrites"],
    }
    bad = {k: v for k, v in problems.items() if v}
    total = float(sum(bad.values()))
    if bad:
        detail = ", ".join(f"{v} rows with {k}" for k, v in bad.items())
        return GateResult(False, total, 0.0, f"{detail}: fix the batch job and rerun `qrw rewrite`")
    return GateResult(True, 0.0, 0.0, f"{stats['rows_total']} rows meet the contract")


def coverage_gate(stats: dict, cfg: ServeSection) -> GateResult:
    if not stats["rows"]:
        return GateResult(False, 0.0, cfg.min_coverage, f"no publishable rows (privacy filter min_users={cfg.min_users} left none)")
    share = stats["covered"] / stats["rows"]
    msg = f"{stats['covered']}/{stats['rows']} queries have a rewrite with relevance >= {cfg.coverage_min_relevance}"
    return GateResult(share >= cfg.min_coverage, share, cfg.min_coverage, msg if share >= cfg.min_coverage else msg + ": coverage collapsed, check the model and the batch run")


def mean_top_relevance_gate(stats: dict, cfg: ServeSection) -> GateResult:
    n = stats["with_rewrites"]
    mean = stats["sum_top_relevance"] / n if n else 0.0
    ok = n > 0 and mean >= cfg.min_mean_top_relevance
    msg = f"mean relevance of the top rewrite over {n} queries"
    return GateResult(ok, mean, cfg.min_mean_top_relevance, msg if ok else msg + " is too low: the relevance scorer or model regressed")


def size_gate(rows: int, published_rows: int | None, cfg: ServeSection) -> GateResult:
    if published_rows is None:
        return GateResult(True, None, cfg.max_size_drop, "first publication: nothing to compare with")
    drop = (published_rows - rows) / published_rows if published_rows else 0.0
    ok = drop <= cfg.max_size_drop
    msg = f"{published_rows} -> {rows} publishable rows"
    return GateResult(ok, drop, cfg.max_size_drop, msg if ok else msg + ": the dictionary shrank; if intended, publish with --set serve.max_size_drop=1")


def churn_gate(diff: dict | None, cfg: ServeSection) -> GateResult:
    if diff is None:
        return GateResult(True, None, cfg.max_churn, "first publication: nothing to compare with")
    share = diff["changed"] / diff["common"] if diff["common"] else 0.0
    ok = share <= cfg.max_churn
    msg = f"top rewrite changed for {diff['changed']}/{diff['common']} queries in both versions"
    return GateResult(ok, share, cfg.max_churn, msg if ok else msg + ": if this is an intended new model, publish with --set serve.max_churn=1")


def golden_gate(hits: int, total: int, cfg: ServeSection) -> GateResult:
    rate = hits / total if total else 0.0
    ok = total > 0 and rate >= cfg.min_golden_hit_rate
    msg = f"{hits}/{total} golden queries get an expected word in a rewrite"
    return GateResult(ok, rate, cfg.min_golden_hit_rate, msg if ok else msg + f" (golden set {cfg.golden_set})")


def golden_relevance_runs(spark: SparkSession, table: str, run_ids: list[str]) -> list[dict]:
    """The latest succeeded state of each of ``run_ids`` in ``{table}_runs`` with its golden-relevance numbers."""
    from pyspark.sql import Window

    from ..io.formats import is_delta_table
    from ..tables import runs_path

    path = runs_path(table)
    if not run_ids or not is_delta_table(spark, path):
        return []
    runs = spark.read.format("delta").load(path)
    if "golden_relevance_accuracy" not in runs.columns:  # a runs table from before the golden relevance set
        return []
    latest = F.row_number().over(Window.partitionBy("run_id").orderBy(F.col("recorded_at").desc()))
    rows = (
        runs.where(F.col("run_id").isin(list(run_ids)) & (F.col("status") == "succeeded"))
        .withColumn("_n", latest)
        .where("_n = 1")
        .select("run_id", "golden_relevance_accuracy", "golden_relevance_auc", "golden_relevance", "scorer_model_version", "min_relevance_applied")
        .collect()
    )
    out = []
    for r in rows:
        row = r.asDict()
        try:
            details = json.loads(row.pop("golden_relevance") or "{}")
        except ValueError:
            details = {}
        row["golden_relevance_precision"] = details.get("precision")
        row["golden_relevance_kept"] = (details.get("true_positives") or 0) + (details.get("false_positives") or 0)
        out.append(row)
    return out


def golden_relevance_gate(runs: list[dict], cfg: ServeSection) -> GateResult:
    """Independent of the model's own opinion: how the scorer judged the labelled golden pairs.

    Per run whose rows the version holds: the AUC (does it rank the labelled keeps above the
    drifts? ``serve.min_golden_relevance_auc``), the precision of the golden pairs it kept at
    the run's threshold (``serve.min_golden_relevance_precision``, when any was kept) and,
    if configured, the keep/drop accuracy. The worst run decides; a version none of whose runs
    scored the golden set is blocked (the set is configured, so it must be measured).
    """
    measured = [r for r in runs if r.get("golden_relevance_auc") is not None or r.get("golden_relevance_accuracy") is not None]
    if not measured:
        return GateResult(
            False, None, cfg.min_golden_relevance_auc,
            f"no run of this version scored the golden relevance set ({cfg.golden_relevance}): rerun `qrw rewrite` "
            "with the same --set serve.golden_relevance",
        )
    checks = [
        ("AUC", "golden_relevance_auc", cfg.min_golden_relevance_auc),
        ("precision of the kept pairs", "golden_relevance_precision", cfg.min_golden_relevance_precision),
        ("keep/drop accuracy", "golden_relevance_accuracy", cfg.min_golden_relevance_accuracy),
    ]
    failures = []
    for run in measured:
        for name, key, minimum in checks:
            value = run.get(key)
            if minimum is None or value is None:
                continue  # not configured, or nothing kept (no precision): the coverage gate sees that
            if float(value) < minimum:
                failures.append((run, name, float(value), minimum))
    worst = failures[0][0] if failures else min(measured, key=lambda r: r.get("golden_relevance_auc") if r.get("golden_relevance_auc") is not None else 1.0)
    fmt = lambda v: "n/a" if v is None else f"{float(v):.3f}"  # noqa: E731
    msg = (
        f"scorer {worst.get('scorer_model_version')} on the golden pairs: AUC {fmt(worst.get('golden_relevance_auc'))}, "
        f"precision {fmt(worst.get('golden_relevance_precision'))} over {worst.get('golden_relevance_kept', 0)} kept, "
        f"accuracy {fmt(worst.get('golden_relevance_accuracy'))} (min_relevance {worst.get('min_relevance_applied')}; run {worst['run_id']})"
    )
    metric = worst.get("golden_relevance_auc")
    if not failures:
        return GateResult(True, metric, cfg.min_golden_relevance_auc, msg)
    why = "; ".join(f"{name} {value:.3f} < {minimum}" for _, name, value, minimum in failures if _ is worst)
    return GateResult(False, metric, cfg.min_golden_relevance_auc, msg + f": {why}, its relevance disagrees with the labels, so its dictionary is not published")


def run_gates(spark: SparkSession, cfg: ServeSection, candidate: DataFrame, published: DataFrame | None, table: str | None = None) -> tuple[dict[str, GateResult], dict]:
    """All gates for ``candidate`` vs the ``published`` version (both raw versions; the privacy filter is applied here).

    ``table``: where the runs table is (the golden relevance gate reads the runs' measurements).
    """
    from .snapshot import servable

    results = {"schema": schema_gate(candidate)}
    if not results["schema"].ok:
        return results, {}
    stats = measure(candidate, published, cfg)
    results["contract"] = contract_gate(stats)
    results["coverage"] = coverage_gate(stats, cfg)
    results["mean_top_relevance"] = mean_top_relevance_gate(stats, cfg)
    results["size_drop"] = size_gate(stats["rows"], stats["published_rows"], cfg)
    results["churn"] = churn_gate(None if published is None else stats, cfg)
    results["pii"] = pii_gate(stats, cfg)
    if cfg.golden_set:
        results["golden"] = golden_gate(*golden_hits(servable(candidate, cfg.min_users, cfg.pii), read_golden(spark, cfg.golden_set)), cfg)
    if cfg.golden_relevance:
        run_ids = [r[0] for r in candidate.select("run_id").distinct().collect() if r[0]]
        results["golden_relevance"] = golden_relevance_gate(golden_relevance_runs(spark, table, run_ids) if table else [], cfg)
    return results, stats
