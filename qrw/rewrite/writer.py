"""Staging table, then ONE MERGE into ``rewrite_dictionary``.

Why staging: the inference stage is the expensive, failure-prone part. Its rows
land in ``{table}_staging`` (Delta, overwritten by each run, rows tagged with ``run_id``), and
only a complete staging set is merged, in one Delta transaction. A run that dies
before the MERGE leaves the dictionary exactly as it was; the MERGE itself is
atomic.

Why the MERGE is idempotent: a row is updated only when the stored entry came
from a *different* run, so merging the same staging twice changes nothing (no new
rows, no updates, identical content).

The dictionary has the contract columns (docs/contracts.md) plus
``distinct_users`` (the privacy filter at publish time needs it), and Change Data
Feed on, so serving can follow row-level changes between versions.
"""

from __future__ import annotations

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from ..io.formats import is_delta_table

REWRITE_STRUCT = T.StructType(
    [
        T.StructField("rewrite", T.StringType()),
        T.StructField("relevance", T.DoubleType()),
        T.StructField("score", T.DoubleType()),
    ]
)
DICTIONARY_SCHEMA = T.StructType(
    [
        T.StructField("query_norm", T.StringType(), False),
        T.StructField("query", T.StringType()),
        T.StructField("rewrites", T.ArrayType(REWRITE_STRUCT)),
        T.StructField("query_freq", T.LongType()),
        T.StructField("model_version", T.StringType()),
        T.StructField("run_id", T.StringType()),
        T.StructField("updated_at", T.TimestampType()),
        T.StructField("distinct_users", T.LongType()),
    ]
)
DICTIONARY_COLUMNS = [f.name for f in DICTIONARY_SCHEMA.fields]


def staging_path(table: str) -> str:
    return f"{table.rstrip('/')}_staging"


def rejects_path(table: str) -> str:
    return f"{table.rstrip('/')}_rejects"


def ensure_dictionary(spark: SparkSession, table: str) -> None:
    """Create the empty dictionary (contract schema, Change Data Feed on) unless it exists."""
    if is_delta_table(spark, table):
        return
    from delta.tables import DeltaTable

    (
        DeltaTable.createIfNotExists(spark)
        .location(table)
        .addColumns(DICTIONARY_SCHEMA)
        .property("delta.enableChangeDataFeed", "true")
        .comment("qrw rewrite_dictionary: query_norm -> ranked rewrites (docs/contracts.md)")
        .execute()
    )


def table_version(spark: SparkSession, table: str) -> int | None:
    if not is_delta_table(spark, table):
        return None
    from delta.tables import DeltaTable

    return int(DeltaTable.forPath(spark, table).history(1).select("version").first()[0])


def write_staging(rows: DataFrame, table: str) -> None:
    """Replace the staging table with this run's rows (this write runs the inference stage).

    One run at a time owns the staging table; the previous run's rows are history
    (Delta time travel) once merged, and a failed write commits nothing.
    """
    (
        rows.write.format("delta")
        .mode("overwrite")
        .option("overwriteSchema", "true")
        .save(staging_path(table))
    )


def read_staging(spark: SparkSession, table: str, run_id: str) -> DataFrame:
    return spark.read.format("delta").load(staging_path(table)).where(F.col("run_id") == run_id)


def merge_into_dictionary(spark: SparkSession, table: str, run_id: str, staged: int | None = None) -> dict[str, int]:
    """ONE MERGE of this run's staging rows, keyed by query_norm; returns Delta's operation metrics.

    Skipped (no commit, version unchanged) when the run staged nothing (``staged``: the
    row count if the caller knows it).
    """
    from delta.tables import DeltaTable

    ensure_dictionary(spark, table)
    source = read_staging(spark, table, run_id).select(*DICTIONARY_COLUMNS)
    if (staged if staged is not None else source.count()) == 0:
        return {"inserted": 0, "updated": 0, "merged": 0}
    before = table_version(spark, table)
    (
        DeltaTable.forPath(spark, table)
        .alias("t")
        .merge(source.alias("s"), "t.query_norm = s.query_norm")
        .whenMatchedUpdateAll(condition="t.run_id IS NULL OR t.run_id <> s.run_id")
        .whenNotMatchedInsertAll()
        .execute()
    )
    last = DeltaTable.forPath(spark, table).history(1).select("version", "operation", "operationMetrics").first()
    m = (last["operationMetrics"] or {}) if last["version"] != before and last["operation"] == "MERGE" else {}
    inserted, updated = int(m.get("numTargetRowsInserted", 0)), int(m.get("numTargetRowsUpdated", 0))
    return {"inserted": inserted, "updated": updated, "merged": inserted + updated}
