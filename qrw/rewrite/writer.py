"""Staging table, then ONE MERGE into ``rewrite_dictionary``.

Why staging: the inference stage is the expensive, failure-prone part. Its rows
land in the run's own staging table (``{table}_staging/{run_id}``, Delta), and only
a complete staging set is merged, in one Delta transaction. A run that dies
before the MERGE leaves the dictionary exactly as it was; the MERGE itself is
atomic. Staging per run means a second run committing meanwhile cannot replace
(and so empty) the first run's rows before its MERGE reads them.

Why the MERGE is idempotent: a row is updated only when the stored entry came
from a *different* run, so merging the same staging twice changes nothing (no new
rows, no updates, identical content).

Rows whose engine call failed (``error`` set) are staged (the run summary counts
them) but never merged: the query keeps its previous entry, and having no fresh
entry it is selected again by the next run.

The dictionary's schema is :data:`qrw.tables.DICTIONARY_SCHEMA` (the contract plus
``distinct_users``), with Change Data Feed on, so serving can follow row-level
changes between versions.
"""

from __future__ import annotations

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from ..io.formats import is_delta_table
from ..tables import DICTIONARY_COLUMNS, DICTIONARY_SCHEMA, latest_version, staging_path


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


def write_staging(rows: DataFrame, table: str, run_id: str) -> None:
    """Write this run's staging table (this write runs the inference stage).

    A rerun of the same run id replaces its own staging; a failed write commits nothing.
    """
    (
        rows.write.format("delta")
        .mode("overwrite")
        .option("overwriteSchema", "true")
        .save(staging_path(table, run_id))
    )


def read_staging(spark: SparkSession, table: str, run_id: str) -> DataFrame:
    return spark.read.format("delta").load(staging_path(table, run_id)).where(F.col("run_id") == run_id)


def merge_into_dictionary(spark: SparkSession, table: str, run_id: str, staged: int | None = None) -> dict[str, int]:
    """ONE MERGE of this run's successful staging rows, keyed by query_norm; returns Delta's operation metrics.

    Skipped (no commit, version unchanged) when the run staged nothing (``staged``: the
    row count if the caller knows it). Rows with an engine ``error`` are left out, so
    a failed query never overwrites the entry it had.
    """
    from delta.tables import DeltaTable

    ensure_dictionary(spark, table)
    if staged == 0 or not is_delta_table(spark, staging_path(table, run_id)):
        return {"inserted": 0, "updated": 0, "merged": 0}
    source = read_staging(spark, table, run_id).where(F.col("error").isNull()).select(*DICTIONARY_COLUMNS)
    if source.isEmpty():
        return {"inserted": 0, "updated": 0, "merged": 0}
    before = latest_version(spark, table)
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
