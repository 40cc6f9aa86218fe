"""Three splits by hashed normalized query: train / dev / test.

``split_of(text)`` hashes the normalized query (xxhash64, stable across runs,
machines and Spark versions), so a query lands in the same split in every table
and every rerun without a lookup table: the lowest ``test_fraction`` of the hash
buckets is *test*, the next ``dev_fraction`` is *dev*, the rest *train*.

What each split is for (docs/results.md, "Splits"):

* **train**: the only query text any training input may hold (bootstrap
  documents, tokenizer corpus, SFT rows, GRPO prompts, ``corpus.txt``);
* **dev**: tuning (budgets, learning rates, thresholds, mining filters) and the
  held-out numbers the trainers record in ``qrw_model.json``;
* **test**: reported numbers only (``qrw evaluate``), never read while tuning.

An example belongs to the split of its query. An example whose *rewrite* is a
held-out query of another split is dropped (:func:`assign` with ``held_out``), so
no dev or test query reaches training through a target either; test examples may
point at any query (nothing trains or tunes on them).
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from ..errors import QrwError

TRAIN = "train"
DEV = "dev"
TEST = "test"
SPLITS = (TRAIN, DEV, TEST)
HELD_OUT = (DEV, TEST)
_BUCKETS = 10_000


def cuts(dev_fraction: float, test_fraction: float) -> tuple[int, int]:
    """(test buckets, test + dev buckets) of the hash space; a clear error for fractions that do not fit."""
    if not (0.0 <= dev_fraction < 1.0 and 0.0 <= test_fraction < 1.0 and dev_fraction + test_fraction < 1.0):
        raise QrwError(f"data.dev_fraction ({dev_fraction}) + data.test_fraction ({test_fraction}) must be in [0, 1): train needs queries")
    test_cut = int(round(test_fraction * _BUCKETS))
    return test_cut, test_cut + int(round(dev_fraction * _BUCKETS))


def split_of(col: str | Column, dev_fraction: float, test_fraction: float) -> Column:
    """'test' / 'dev' / 'train' for a stable share of distinct texts."""
    test_cut, dev_cut = cuts(dev_fraction, test_fraction)
    bucket = F.pmod(F.xxhash64(F.col(col) if isinstance(col, str) else col), F.lit(_BUCKETS))
    return F.when(bucket < F.lit(test_cut), F.lit(TEST)).when(bucket < F.lit(dev_cut), F.lit(DEV)).otherwise(F.lit(TRAIN))


def assign(
    df: DataFrame,
    dev_fraction: float,
    test_fraction: float,
    query_col: str = "query_norm",
    rewrite_col: str | None = None,
    held_out: DataFrame | None = None,
) -> DataFrame:
    """Add ``split`` by the query's hash; with ``rewrite_col`` drop rows whose rewrite leaks a held-out query.

    ``held_out`` (``query_norm``, ``split``) names the held-out queries (the
    behaviour table's dev and test rows); without it the rewrite text's own hash
    decides, which also drops rows whose rewrite merely hashes into a held-out
    bucket (a title, say). A train row may not point at a dev or test query; a
    dev row may not point at a test query (tuning must not see test queries).
    """
    out = df.withColumn("split", split_of(query_col, dev_fraction, test_fraction))
    if rewrite_col is None:
        return out
    if held_out is None:
        target = split_of(rewrite_col, dev_fraction, test_fraction)
        tagged = out.withColumn("_rw_split", target)
    else:
        lookup = held_out.where(F.col("split").isin(*HELD_OUT)).select(
            F.col("query_norm").alias("_rw_key"), F.col("split").alias("_rw_split")
        ).distinct()
        tagged = out.join(lookup, F.col(rewrite_col) == F.col("_rw_key"), "left").drop("_rw_key")
    rw = F.coalesce(F.col("_rw_split"), F.lit(TRAIN))
    leaks = (rw != F.lit(TRAIN)) & (rw != F.col("split")) & (F.col("split") != F.lit(TEST))
    return tagged.where(~leaks).drop("_rw_split")
