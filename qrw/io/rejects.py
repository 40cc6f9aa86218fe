"""The rejects table: every contract-breaking row, with its reason, per run, redacted.

Writes replace the rows of the same ``run_id`` (Delta ``replaceWhere``), so a
rerun does not duplicate rejects.

Why redaction lives here, in the one writer: ``user_id`` must never leave the
training jobs, and a rejected row carries its whole input record. Every caller
(the data job, the batch job) goes through :func:`write_rejects`, which keeps of a
record only its source's contract columns minus the private ones; any other
column (``user_id``, ``session_id``, or one the contract does not know) is dropped.
A search-log line that is not a JSON object (a malformed CSV/JSON line) cannot be
filtered by column, so it is replaced by its sha256 and length (findable in the source).
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from .readers import CATALOG_COLUMNS, LABEL_COLUMNS, SEARCH_LOG_COLUMNS

#: Input columns that identify a person: never written to any output table.
PRIVATE_COLUMNS = ("user_id", "session_id")
#: Per source, the record fields a reject may keep: its contract's columns minus the private ones.
KEPT_COLUMNS: dict[str, tuple[str, ...]] = {
    "search_log": tuple(c for c in SEARCH_LOG_COLUMNS if c not in PRIVATE_COLUMNS),
    "catalog": tuple(CATALOG_COLUMNS),
    "relevance_labels": tuple(LABEL_COLUMNS),
}
#: Sources whose unparseable records are hashed (they may hold private values).
HASHED_SOURCES = ("search_log",)


def _keeps(kept: tuple[str, ...]):
    return lambda key, _value: F.lower(key).isin(*kept)  # CSV headers match the contract case-insensitively


def redacted_record(source: Column, record: Column) -> Column:
    """``record`` (JSON text) with only the source's kept fields; a non-object search-log line becomes its hash."""
    as_map = F.from_json(record, "map<string,string>")
    opaque = F.to_json(F.struct(F.sha2(record, 256).alias("malformed_record_sha256"), F.length(record).alias("chars")))
    expr = None
    for name, kept in KEPT_COLUMNS.items():
        filtered = F.to_json(F.map_filter(as_map, _keeps(kept)))
        malformed = opaque if name in HASHED_SOURCES else record
        branch = F.when(as_map.isNotNull(), filtered).otherwise(malformed)
        expr = F.when(source == name, branch) if expr is None else expr.when(source == name, branch)
    # An unknown source keeps nothing it could leak: only the hash.
    return F.when(record.isNull(), record).otherwise(expr.otherwise(opaque))


def redact_rejects(rejects: DataFrame) -> DataFrame:
    """The rejects frame (``source``, ``reason``, ``record``, ...) with every record redacted."""
    return rejects.withColumn("record", redacted_record(F.col("source"), F.col("record")))


def write_rejects(rejects: DataFrame, path: str, run_id: str) -> None:
    """Replace ``run_id``'s rows of the rejects table at ``path`` with ``rejects``, redacted."""
    (
        redact_rejects(rejects)
        .withColumn("run_id", F.lit(run_id))
        .withColumn("rejected_at", F.current_timestamp())
        .write.format("delta")
        .mode("overwrite")
        .option("replaceWhere", f"run_id = '{run_id}'")
        .option("mergeSchema", "true")
        .save(path)
    )
