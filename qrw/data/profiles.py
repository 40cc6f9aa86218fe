"""Query profiles and pair similarities, computed without per-pair joins.

A profile is one row per query: its category distribution and its product
weights as maps (from the behaviour table). Any set of (query, rewrite) pairs
gets both sides' profiles with two joins, then the similarities are plain
column expressions:

* ``category_sim`` = sum over categories of the smaller share (1: same
  distribution, 0: disjoint; null when a side never engaged: unknown);
* ``product_overlap`` = weighted Jaccard of the product weights (the top
  ``max_products_per_query`` products of each side; totals are exact).
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F


def profiles(behaviour: DataFrame) -> DataFrame:
    """(query_norm, cats map<category, share>, prods map<product_id, weight>, w total weight)."""
    return behaviour.select(
        "query_norm",
        F.map_from_entries(F.transform("categories", lambda c: F.struct(c["category"], c["share"]))).alias("cats"),
        F.map_from_entries(F.transform("products", lambda p: F.struct(p["product_id"], p["weight"]))).alias("prods"),
        F.col("product_weight").alias("w"),
    )


def _sum_of_min(left: Column, right: Column) -> Column:
    return F.aggregate(
        F.map_keys(left), F.lit(0.0), lambda acc, k: acc + F.least(F.try_element_at(left, k), F.coalesce(F.try_element_at(right, k), F.lit(0.0)))
    )


def with_similarity(pairs: DataFrame, prof: DataFrame, left: str = "query_norm", right: str = "rewrite_norm", right_must_exist: bool = False) -> DataFrame:
    """Add ``category_sim`` and ``product_overlap``; ``right_must_exist`` keeps only rewrites that are observed queries."""
    lp = prof.select(F.col("query_norm").alias("_lq"), F.col("cats").alias("_lc"), F.col("prods").alias("_lp"), F.col("w").alias("_lw"))
    rp = prof.select(F.col("query_norm").alias("_rq"), F.col("cats").alias("_rc"), F.col("prods").alias("_rp"), F.col("w").alias("_rw"))
    out = pairs.join(lp, F.col(left) == F.col("_lq"), "left").join(rp, F.col(right) == F.col("_rq"), "inner" if right_must_exist else "left")
    known = F.col("_lc").isNotNull() & F.col("_rc").isNotNull() & (F.size("_lc") > 0) & (F.size("_rc") > 0)
    both = F.col("_lp").isNotNull() & F.col("_rp").isNotNull()
    inter = F.when(both, _sum_of_min(F.col("_lp"), F.col("_rp"))).otherwise(F.lit(0.0))
    union = F.coalesce("_lw", F.lit(0.0)) + F.coalesce("_rw", F.lit(0.0)) - inter
    return (
        out.withColumn("category_sim", F.when(known, _sum_of_min(F.col("_lc"), F.col("_rc"))))
        .withColumn("product_overlap", F.when(union > 0, inter / union).otherwise(F.lit(0.0)))
        .drop("_lq", "_lc", "_lp", "_lw", "_rq", "_rc", "_rp", "_rw")
    )
