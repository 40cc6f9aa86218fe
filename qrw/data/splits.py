"""The held-out eval split: a pure function of the normalized query.

``split_of(text)`` hashes the text (xxhash64, stable across runs, machines and
Spark versions), so a query lands in the same split in every table and every
rerun without a lookup table. An example belongs to the split of its query; a
*train* example whose rewrite is itself an eval query is dropped, so no eval
query text appears anywhere in the training data (no leak through targets).
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

TRAIN = "train"
EVAL = "eval"
_BUCKETS = 10_000


def split_of(col: str | Column, eval_fraction: float) -> Column:
    """'eval' for a stable ``eval_fraction`` of distinct texts, else 'train'."""
    bucket = F.pmod(F.xxhash64(F.col(col) if isinstance(col, str) else col), F.lit(_BUCKETS))
    return F.when(bucket < F.lit(int(round(eval_fraction * _BUCKETS))), F.lit(EVAL)).otherwise(F.lit(TRAIN))


def assign(df: DataFrame, eval_fraction: float, query_col: str = "query_norm", rewrite_col: str | None = None) -> DataFrame:
    """Add ``split``; with ``rewrite_col``, drop train rows that point at an eval query."""
    out = df.withColumn("split", split_of(query_col, eval_fraction))
    if rewrite_col is None:
        return out
    leaks = (F.col("split") == TRAIN) & (split_of(rewrite_col, eval_fraction) == EVAL)
    return out.where(~leaks)
