"""The rewrite dictionary's contract and the names of its side tables, defined once.

Why one home: the batch job writes the dictionary, the inference tasks emit its
``rewrites`` column as Arrow, and the serving side checks and exports it. When
each spelled the struct out on its own, the copies could drift apart silently;
here the struct is written once as a Spark type, and every other form (Spark DDL,
Arrow, the ``name -> type`` map the gates check) is derived from it.

Side tables live next to the dictionary, one suffix each (``{table}_runs`` ...),
and are named only through the functions below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyspark.sql import types as T

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import SparkSession

#: One rewrite of a query, best first in ``rewrites`` (docs/contracts.md).
REWRITE_STRUCT = T.StructType(
    [
        T.StructField("rewrite", T.StringType()),
        T.StructField("relevance", T.DoubleType()),
        T.StructField("score", T.DoubleType()),
    ]
)
REWRITES_TYPE = T.ArrayType(REWRITE_STRUCT)

#: Written by the batch job beyond the contract; the privacy filter at publish time needs it.
USERS_COLUMN = "distinct_users"

#: The ``rewrite_dictionary`` contract (docs/contracts.md): exact names and types.
CONTRACT_SCHEMA = T.StructType(
    [
        T.StructField("query_norm", T.StringType(), False),
        T.StructField("query", T.StringType()),
        T.StructField("rewrites", REWRITES_TYPE),
        T.StructField("query_freq", T.LongType()),
        T.StructField("model_version", T.StringType()),
        T.StructField("run_id", T.StringType()),
        T.StructField("updated_at", T.TimestampType()),
    ]
)
#: What the batch job writes: the contract plus the per-query user count.
DICTIONARY_SCHEMA = T.StructType([*CONTRACT_SCHEMA.fields, T.StructField(USERS_COLUMN, T.LongType())])
DICTIONARY_COLUMNS = DICTIONARY_SCHEMA.fieldNames()

#: Contract column -> Spark type name (``bigint``, ``array<struct<...>>``), as ``DataFrame.schema`` reports it.
CONTRACT_COLUMNS: dict[str, str] = {f.name: f.dataType.simpleString() for f in CONTRACT_SCHEMA.fields}


def ddl(schema: T.StructType) -> str:
    """``name type, ...`` (Spark DDL) for a StructType."""
    return ", ".join(f"{f.name} {f.dataType.simpleString()}" for f in schema.fields)


def arrow_schema(schema: T.StructType) -> pa.Schema:
    """The Arrow form of a StructType (what a ``mapInArrow`` function must yield for it)."""
    from pyspark.sql.pandas.types import to_arrow_schema

    return to_arrow_schema(schema)


# -- side tables ----------------------------------------------------------------------------


def _beside(table: str, suffix: str) -> str:
    return f"{table.rstrip('/')}_{suffix}"


def staging_path(table: str, run_id: str) -> str:
    """One staging Delta table per run: a concurrent run can never replace another's rows."""
    return f"{_beside(table, 'staging')}/{run_id}"


def staging_root(table: str) -> str:
    """The folder holding every run's staging table."""
    return _beside(table, "staging")


def rejects_path(table: str) -> str:
    """Contract-breaking input rows of the batch job, with a reason (redacted: qrw.io.rejects)."""
    return _beside(table, "rejects")


def runs_path(table: str) -> str:
    """The append-only run log of the batch job (qrw.rewrite.runs)."""
    return _beside(table, "runs")


def published_path(table: str) -> str:
    """The publication log: which dictionary version is live (qrw.serve.versions)."""
    return _beside(table, "published")


def user_sketches_path(table: str) -> str:
    """Per-(query, day) HyperLogLog sketches of user ids behind ``distinct_users`` (qrw.rewrite.selection)."""
    return _beside(table, "user_sketches")


def latest_version(spark: SparkSession, path: str) -> int | None:
    """The newest commit version of the Delta table at ``path``, or None when there is no table."""
    from .io.formats import is_delta_table

    if not is_delta_table(spark, path):
        return None
    from delta.tables import DeltaTable

    return int(DeltaTable.forPath(spark, path).history(1).select("version").first()[0])
