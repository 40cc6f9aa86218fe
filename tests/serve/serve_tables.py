"""Test helpers: dictionary tables written directly with Spark (contract schema + distinct_users), one Delta version per write."""

from __future__ import annotations

from datetime import datetime

DICT_SCHEMA = (
    "query_norm string, query string, "
    "rewrites array<struct<rewrite:string,relevance:double,score:double>>, "
    "query_freq long, model_version string, run_id string, updated_at timestamp, distinct_users long"
)


def entry(key, rewrites=None, *, users=5, model="m1", run="r1", query=None):
    """One dictionary row; ``rewrites`` as (rewrite, relevance, score) tuples, best first."""
    if rewrites is None:
        rewrites = [(f"{key} shoes", 0.9, 2.0), (f"{key} boots", 0.7, 1.0)]
    return (key, query or key.upper(), [tuple(r) for r in rewrites], 10, model, run, datetime(2026, 11, 1, 3, 0), users)


def good_rows(model="m1", run="r1", changed=()):
    """A healthy dictionary: 20 items, the sneaker query, and one query seen by a single user."""
    rows = [entry(f"item {i}", model=model, run=run) for i in range(20) if i not in changed]
    rows += [entry(f"item {i}", [(f"item {i} sandals", 0.8, 2.0)], model=model, run=run) for i in changed]
    rows.append(entry("adi no laces", [("adidas laceless sneakers", 0.95, 3.0), ("slip on sneakers", 0.8, 2.5)], query="Adi No-Laces", model=model, run=run))
    rows.append(entry("rare secret query", [("rare secret thing", 0.9, 1.0)], users=1, model=model, run=run))
    return rows


def write_version(spark, path, rows, schema=DICT_SCHEMA) -> int:
    """Overwrite ``path`` with ``rows`` as a new Delta version (CDF on, like the batch job); returns the version."""
    from delta.tables import DeltaTable

    (
        spark.createDataFrame(rows, schema)
        .coalesce(1)
        .write.format("delta")
        .mode("overwrite")
        .option("overwriteSchema", "true")
        .option("delta.enableChangeDataFeed", "true")
        .save(str(path))
    )
    return int(DeltaTable.forPath(spark, str(path)).history(1).first()["version"])
