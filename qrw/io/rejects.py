"""The rejects table: every contract-breaking row, with its reason, per run.

Writes replace the rows of the same ``run_id`` (Delta ``replaceWhere``), so a
rerun does not duplicate rejects.
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F


def write_rejects(rejects: DataFrame, path: str, run_id: str) -> None:
    (
        rejects.withColumn("run_id", F.lit(run_id))
        .withColumn("rejected_at", F.current_timestamp())
        .write.format("delta")
        .mode("overwrite")
        .option("replaceWhere", f"run_id = '{run_id}'")
        .option("mergeSchema", "true")
        .save(path)
    )
