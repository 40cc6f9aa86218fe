"""``qrw export --since-version N``: only the keys whose *published* entry changed since publication N.

"Published entry" means what the online side got: the servable rows (privacy and
PII filters) in export format. The change set is the difference of the two
servable versions, one line per changed key:

    {"op": "upsert", "query": ..., "rewrites": [...], "model_version": ...}   (new or changed)
    {"op": "delete", "query": ...}                                             (no longer served)

Delta's Change Data Feed narrows the comparison to the keys the MERGEs between the
two versions touched (``readChangeFeed`` from N+1 to the live version). That is
exact when both sides are filtered alike; when they are not (a stricter
``min_users`` since N, a rollback to an older version, a table without CDF or
with its change files vacuumed), every key is compared instead, and the manifest
says which ``method`` ran.
"""

from __future__ import annotations

import hashlib

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from rich.console import Console

from ..config import QrwConfig
from ..errors import QrwError
from . import versions
from .export import _chunks, _now, check_local_target, is_local, require_published, serving_min_users, servable_version, source_id, write_pair
from .snapshot import export_lines


def _since_publication(entries: list[versions.Publication], since: int) -> versions.Publication:
    matches = [p for p in entries if p.decision == versions.PUBLISHED and p.dictionary_version == since]
    if not matches:
        ever = sorted({p.dictionary_version for p in entries if p.decision == versions.PUBLISHED})
        raise QrwError(f"dictionary version {since} was never published (published versions: {ever}); --since-version takes one of those")
    return matches[-1]


def _touched_keys(spark: SparkSession, table: str, start: int, end: int) -> DataFrame | None:
    """Keys the commits start..end changed, from the Change Data Feed; None when it cannot be read."""
    try:
        df = (
            spark.read.format("delta")
            .option("readChangeFeed", "true")
            .option("startingVersion", int(start))
            .option("endingVersion", int(end))
            .load(table)
            .select("query_norm")
            .distinct()
        )
        df.schema
        return df
    except Exception:  # noqa: BLE001 - CDF off or vacuumed: compare everything instead
        return None


def change_frame(spark: SparkSession, cfg: QrwConfig, table: str, since: int) -> tuple[dict, DataFrame]:
    """(facts about the range, frame of ``query``, ``op``, ``line`` sorted by query)."""
    live = require_published(spark, table)
    entries = versions.history(spark, table)
    then = _since_publication(entries, since)
    old_min, new_min = int(then.min_users), serving_min_users(live, cfg)
    old = servable_version(spark, cfg, table, since, max(old_min, 1))
    new = servable_version(spark, cfg, table, live.dictionary_version, new_min)
    method = "full-diff"
    if since < live.dictionary_version and old_min == new_min:
        touched = _touched_keys(spark, table, since + 1, live.dictionary_version)
        if touched is not None:
            old = old.join(touched, "query_norm", "left_semi")
            new = new.join(touched, "query_norm", "left_semi")
            method = "change-data-feed"
    a = export_lines(old, keep_key=True).select(F.col("query").alias("k"), F.col("line").alias("old"))
    b = export_lines(new, keep_key=True).select(F.col("query").alias("k2"), F.col("line").alias("new"))
    joined = a.join(b, a["k"] == b["k2"], "full_outer").select(F.coalesce("k", "k2").alias("query"), "old", "new")
    changed = joined.where(~F.col("old").eqNullSafe(F.col("new")))
    delete = F.to_json(F.struct(F.lit("delete").alias("op"), F.col("query").alias("query")))
    upsert = F.concat(F.lit('{"op":"upsert",'), F.expr("substring(new, 2)"))
    frame = changed.select(
        "query",
        F.when(F.col("new").isNull(), F.lit("delete")).otherwise(F.lit("upsert")).alias("op"),
        F.when(F.col("new").isNull(), delete).otherwise(upsert).alias("line"),
        F.col("new").alias("value"),
    ).orderBy("query")
    facts = {
        "table": table,
        "kind": "delta",
        "from_version": since,
        "to_version": live.dictionary_version,
        "dictionary_version": live.dictionary_version,
        "min_users": new_min,
        "from_min_users": old_min,
        "method": method,
        "published_at": live.published_at.isoformat(),
        "source": source_id(table, live.dictionary_version, new_min, cfg),
    }
    return facts, frame


def export_changes(cfg: QrwConfig, *, table: str, since_version: int, out: str | None = None, url: str | None = None) -> dict:
    """Write the change set to ``out`` (JSON Lines + manifest) or apply it to Redis at ``url``."""
    from ..spark import spark_session

    client = None
    if url is not None:
        from .redis_store import connect

        client = connect(url, cfg.serve.redis_timeout_s)
    elif is_local(out):
        check_local_target(out)
    spark = spark_session(cfg)
    facts, frame = change_frame(spark, cfg, table, since_version)
    console = Console(stderr=True)
    if client is not None:
        from .redis_store import Keys, apply_delta

        rows = [(r["query"], r["op"], r["value"]) for r in frame.toLocalIterator()]
        upserts = [(k, v) for k, op, v in rows if op == "upsert"]
        deletes = [k for k, op, _v in rows if op == "delete"]
        meta = {k: v for k, v in facts.items() if k != "kind"}
        report = apply_delta(client, Keys(cfg.serve.redis_namespace), upserts, deletes, meta, cfg.serve)
        console.print(f"applied versions {since_version}..{facts['to_version']} of {table} to Redis at {url}: {len(upserts)} upserts, {len(deletes)} deletes -> {report['generation']}")
        return {**facts, "url": url, "upserts": len(upserts), "deletes": len(deletes), **{k: report[k] for k in ("generation", "previous", "rows")}}

    stats = {"sha": hashlib.sha256(), "rows": 0, "bytes": 0}
    counts = {"upsert": 0, "delete": 0}

    def lines():
        for r in frame.select("op", "line").toLocalIterator():
            counts[r["op"]] += 1
            yield r["line"]

    manifest = write_pair(
        spark,
        out,
        _chunks(lines(), stats),
        lambda: {
            **facts,
            "rows": stats["rows"],
            "upserts": counts["upsert"],
            "deletes": counts["delete"],
            "bytes": stats["bytes"],
            "sha256": stats["sha"].hexdigest(),
            "exported_at": _now(),
            "format": 'jsonl: {"op": "upsert", query, rewrites, model_version} | {"op": "delete", query}',
        },
    )
    console.print(f"exported changes {since_version}..{facts['to_version']} of {table}: {counts['upsert']} upserts, {counts['delete']} deletes -> {out}")
    return manifest

