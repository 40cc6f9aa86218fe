"""Which queries tonight's run sends to the engine.

Work must scale with *distinct* queries, and incrementally with *new* ones:
the log is reduced to one row per ``query_norm`` (frequency, distinct users, the
most frequent raw form), filtered by eligibility rules, and then every query whose
dictionary entry is still fresh for the same model version is skipped. A second
run on the same log therefore sends (nearly) nothing to the engine.

``user_id`` is only counted here (``distinct_users``), never carried further.

``distinct_users`` covers a stated window across runs (``rewrite.users_window_days``
days ending at the window end, and at least the run's own window), not just tonight's input: each run keeps one
mergeable HyperLogLog sketch (Apache DataSketches, Spark's ``hll_sketch_agg``) per
(query, day) in the side table :func:`user_sketches_path`, and the count is the
estimate of the union of the window's sketches with tonight's. No user id is stored,
only the sketches (hashed coupons); unions are idempotent, so a rerun or a day
split over several runs never counts a user twice. Below a few thousand users a
sketch is effectively exact, so privacy thresholds of a few users are exact too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from ..config import RewriteSection
from ..errors import QrwError
from ..io.formats import is_delta_table
from ..tables import user_sketches_path

#: Columns of the selected queries (what the inference stage receives).
QUERY_COLUMNS = ["query_norm", "query", "query_freq", "distinct_users"]


@dataclass(frozen=True)
class DayWindow:
    """Inclusive range of event days (UTC); ``start`` None means the whole log up to ``end``."""

    start: date | None
    end: date

    def as_dict(self) -> dict:
        return {"start": self.start.isoformat() if self.start else None, "end": self.end.isoformat()}


@dataclass
class Selection:
    queries: DataFrame
    window: DayWindow
    counts: dict[str, int] = field(default_factory=dict)
    #: Tonight's (query_norm, day, users_sketch) rows inside the users window; record_user_sketches stores them.
    sketches: DataFrame | None = None
    #: Days whose users ``distinct_users`` counts (start None: every stored day).
    users_window: DayWindow | None = None


SKETCH_COLUMNS = ["query_norm", "day", "users_sketch"]


def resolve_window(searches: DataFrame, cfg: RewriteSection) -> DayWindow:
    """End = ``rewrite.date`` or the day of the last search; start = end - window_days + 1."""
    if cfg.date:
        try:
            end = date.fromisoformat(str(cfg.date))
        except ValueError:
            raise QrwError(f"rewrite.date={cfg.date!r} is not a day: use YYYY-MM-DD (e.g. --set rewrite.date=2026-11-01)") from None
    else:
        end = searches.agg(F.max(F.to_date("event_time"))).first()[0]
        if end is None:
            raise QrwError("the search log has no valid search events (only clicks, carts or orders): check the input path")
    if cfg.window_days is not None and cfg.window_days < 1:
        raise QrwError(f"rewrite.window_days must be >= 1 (got {cfg.window_days}); leave it unset for the whole log")
    start = end - timedelta(days=cfg.window_days - 1) if cfg.window_days else None
    return DayWindow(start=start, end=end)


def searches_in_window(events: DataFrame, window: DayWindow) -> DataFrame:
    day = F.to_date("event_time")
    cond = (F.col("event_type") == "search") & F.col("query_norm").isNotNull() & (F.col("query_norm") != "") & (day <= F.lit(window.end))
    if window.start is not None:
        cond = cond & (day >= F.lit(window.start))
    return events.where(cond)


def users_window(window: DayWindow, cfg: RewriteSection) -> DayWindow:
    """``rewrite.users_window_days`` days ending at the window end (None: every day up to it)."""
    days = cfg.users_window_days
    return DayWindow(start=window.end - timedelta(days=days - 1) if days else None, end=window.end)


def day_sketches(searches: DataFrame, cfg: RewriteSection) -> DataFrame:
    """One HLL sketch of user ids per (query_norm, day): what a run adds to the side table."""
    return searches.groupBy("query_norm", F.to_date("event_time").alias("day")).agg(
        F.hll_sketch_agg("user_id", cfg.users_sketch_lg_k).alias("users_sketch")
    )


def stored_sketches(spark: SparkSession, table: str, window: DayWindow) -> DataFrame | None:
    path = user_sketches_path(table)
    if not is_delta_table(spark, path):
        return None
    day = F.col("day")
    cond = day <= F.lit(window.end)
    if window.start is not None:
        cond = cond & (day >= F.lit(window.start))
    return spark.read.format("delta").load(path).where(cond).select(*SKETCH_COLUMNS)


def window_users(sketches: DataFrame, stored: DataFrame | None) -> DataFrame:
    """query_norm -> distinct users over tonight's and the stored sketches of the users window."""
    parts = sketches if stored is None else sketches.unionByName(stored)
    return parts.groupBy("query_norm").agg(
        F.hll_sketch_estimate(F.hll_union_agg("users_sketch", True)).cast("long").alias("distinct_users")
    )


def aggregate_queries(searches: DataFrame, users: DataFrame | None = None) -> DataFrame:
    """One row per query_norm: searches, distinct users, and the most frequent raw form (ties: the larger text).

    ``users`` (query_norm, distinct_users): the windowed count from the sketches; None
    counts the users of ``searches`` alone.
    """
    forms = searches.groupBy("query_norm", "query").agg(F.count(F.lit(1)).alias("n"))
    per_query = forms.groupBy("query_norm").agg(
        F.sum("n").cast("long").alias("query_freq"),
        F.max_by("query", F.struct("n", "query")).alias("query"),
    )
    if users is None:
        users = searches.groupBy("query_norm").agg(F.countDistinct("user_id").cast("long").alias("distinct_users"))
    joined = per_query.join(users, "query_norm", "left")
    return joined.withColumn("distinct_users", F.coalesce(F.col("distinct_users"), F.lit(0).cast("long"))).select(*QUERY_COLUMNS)


def ineligibility(cfg: RewriteSection) -> Column:
    """The first eligibility rule a query breaks (null when eligible)."""
    length = F.length("query_norm")
    rules: list[tuple[Column, str]] = [
        (length < cfg.min_query_chars, f"shorter than {cfg.min_query_chars} characters"),
        (length > cfg.max_query_chars, f"longer than {cfg.max_query_chars} characters"),
        (F.col("distinct_users") < cfg.min_users, f"fewer than {cfg.min_users} distinct users"),
    ]
    if cfg.segment == "tail":
        rules.append((F.col("query_freq") > cfg.tail_max_freq, f"not tail (> {cfg.tail_max_freq} searches)"))
    elif cfg.segment == "head":
        rules.append((F.col("query_freq") <= cfg.tail_max_freq, f"not head (<= {cfg.tail_max_freq} searches)"))
    expr = None
    for cond, reason in rules:
        expr = F.when(cond, F.lit(reason)) if expr is None else expr.when(cond, F.lit(reason))
    return expr.otherwise(F.lit(None).cast("string"))


def fresh_entries(spark: SparkSession, table: str, model_version: str, now: datetime, ttl_days: float) -> DataFrame | None:
    """Keys whose entry was written by ``model_version`` less than ``ttl_days`` before ``now``."""
    if not is_delta_table(spark, table):
        return None
    # An ISO literal with its offset: the same instant whatever the session time zone.
    cutoff = (now.astimezone(timezone.utc) - timedelta(days=ttl_days)).isoformat()
    return (
        spark.read.format("delta")
        .load(table)
        .where((F.col("model_version") == model_version) & (F.col("updated_at") >= F.lit(cutoff).cast("timestamp")))
        .select("query_norm")
    )


def select_queries(
    spark: SparkSession,
    events: DataFrame,
    cfg: RewriteSection,
    *,
    table: str,
    model_version: str,
    now: datetime,
) -> Selection:
    """Distinct eligible queries of the window, minus the fresh ones (cached; counts computed once)."""
    window = resolve_window(events.where(F.col("event_type") == "search"), cfg)
    users_days = users_window(window, cfg)
    # Tonight's own window always counts whole; the stored days only as far back as the users window.
    count_from = None if window.start is None or users_days.start is None else min(window.start, users_days.start)
    tonight = day_sketches(searches_in_window(events, DayWindow(start=count_from, end=window.end)), cfg)
    users = window_users(tonight, stored_sketches(spark, table, users_days))
    sketches = tonight if users_days.start is None else tonight.where(F.col("day") >= F.lit(users_days.start))
    queries = aggregate_queries(searches_in_window(events, window), users).withColumn("_why_not", ineligibility(cfg))
    fresh = fresh_entries(spark, table, model_version, now, cfg.ttl_days) if cfg.incremental else None
    if fresh is not None:
        fresh = fresh.withColumn("_fresh", F.lit(True))
        # query_norm is unique in the dictionary, so the left join keeps one row per query.
        queries = queries.join(fresh, "query_norm", "left")
    else:
        queries = queries.withColumn("_fresh", F.lit(None).cast("boolean"))
    queries = queries.cache()

    stats = queries.groupBy("_why_not").agg(
        F.count(F.lit(1)).alias("n"),
        F.sum(F.when(F.col("_fresh"), 1).otherwise(0)).alias("fresh"),
        F.sum("query_freq").alias("searches"),
    ).collect()
    counts: dict[str, int] = {"searches_in_window": 0, "distinct_queries": 0, "eligible": 0, "skipped_fresh": 0}
    for row in stats:
        counts["distinct_queries"] += row["n"]
        counts["searches_in_window"] += int(row["searches"] or 0)
        if row["_why_not"] is None:
            counts["eligible"] = row["n"]
            counts["skipped_fresh"] = int(row["fresh"] or 0)
        else:
            counts[f"ineligible: {row['_why_not']}"] = row["n"]
    counts["selected"] = counts["eligible"] - counts["skipped_fresh"]
    selected = queries.where(F.col("_why_not").isNull() & F.col("_fresh").isNull()).select(*QUERY_COLUMNS)
    return Selection(queries=selected, window=window, counts=counts, sketches=sketches, users_window=users_days)


def record_user_sketches(spark: SparkSession, table: str, selection: Selection) -> dict[str, int]:
    """Union tonight's sketches into the side table (one MERGE), then drop days older than the users window.

    Called once the dictionary MERGE succeeded. Idempotent: a (query, day) row is only
    rewritten when the union adds users, so a rerun changes nothing.
    """
    if selection.sketches is None:
        return {"inserted": 0, "updated": 0}
    from delta.tables import DeltaTable

    path = user_sketches_path(table)
    source = selection.sketches
    if not is_delta_table(spark, path):
        source.write.format("delta").mode("append").partitionBy("day").save(path)
        metrics = {"inserted": spark.read.format("delta").load(path).count(), "updated": 0}
    else:
        union = "hll_union(t.users_sketch, s.users_sketch, true)"
        (
            DeltaTable.forPath(spark, path)
            .alias("t")
            .merge(source.alias("s"), "t.query_norm = s.query_norm AND t.day = s.day")
            .whenMatchedUpdate(
                condition=f"hll_sketch_estimate({union}) > hll_sketch_estimate(t.users_sketch)",
                set={"users_sketch": union},
            )
            .whenNotMatchedInsertAll()
            .execute()
        )
        last = DeltaTable.forPath(spark, path).history(1).select("operation", "operationMetrics").first()
        m = (last["operationMetrics"] or {}) if last["operation"] == "MERGE" else {}
        metrics = {"inserted": int(m.get("numTargetRowsInserted", 0)), "updated": int(m.get("numTargetRowsUpdated", 0))}
    start = selection.users_window.start if selection.users_window else None
    if start is not None:  # keep no more than the window needs (privacy: minimal retention)
        DeltaTable.forPath(spark, path).delete(F.col("day") < F.lit(start))
    return metrics
