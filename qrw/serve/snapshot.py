"""Reading one version of ``rewrite_dictionary`` the way the online side sees it.

Everything that serves rows (gates, export, lookup) goes through here so the
privacy filter and the export shape have exactly one definition.
"""

from __future__ import annotations

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from ..errors import QrwError
from ..io.formats import is_delta_table
from ..tables import CONTRACT_COLUMNS, USERS_COLUMN
from ..tables import latest_version as _latest_version


def require_table(spark: SparkSession, table: str) -> None:
    if not is_delta_table(spark, table):
        raise QrwError(f"{table} is not a Delta table (no _delta_log): run `qrw rewrite --table {table}` first")


def latest_version(spark: SparkSession, table: str) -> int:
    """The newest commit of the dictionary; pinned so a concurrent MERGE cannot shift what we gate."""
    require_table(spark, table)
    return int(_latest_version(spark, table))


def read_version(spark: SparkSession, table: str, version: int) -> DataFrame:
    """The dictionary as of ``version`` (Delta time travel); a clear error once it was vacuumed away."""
    try:
        df = spark.read.format("delta").option("versionAsOf", int(version)).load(table)
        df.schema  # resolves the snapshot now, not at the first action
    except Exception as exc:  # py4j/analysis errors: the version is gone or never existed
        raise QrwError(
            f"cannot read version {version} of {table} ({type(exc).__name__}: {str(exc).splitlines()[0][:200]}); "
            "it may have been removed by VACUUM/log retention: publish a newer version"
        ) from None
    return df


def require_users(df: DataFrame, table: str) -> None:
    """The privacy filter cannot run without the per-query user count, so refuse rather than guess."""
    if USERS_COLUMN not in df.columns:
        raise QrwError(
            f"{table} has no `{USERS_COLUMN}` column, so the privacy filter (serve.min_users) cannot run; "
            "rebuild the dictionary with a `qrw rewrite` that writes it"
        )


def privacy_filter(df: DataFrame, min_users: int) -> DataFrame:
    """Rows safe to serve: seen from at least ``min_users`` distinct users (unknown counts are not safe)."""
    return df.where(F.col(USERS_COLUMN).isNotNull() & (F.col(USERS_COLUMN) >= F.lit(int(min_users))))


#: Added by :func:`scrub`: struct<key: kind or null, rewrites: array<kind or null> (of the rewrites before scrubbing)>.
PII_COLUMN = "_pii"
PII_DDL = "struct<key:string,rewrites:array<string>>"


def scrub(df: DataFrame, pii) -> DataFrame:
    """Personal data out of the texts (``pii`` is a PiiSection): adds :data:`PII_COLUMN`, drops PII rewrites.

    Rows whose key carries personal data stay (so the gates can count them) with
    ``_pii.key`` set; :func:`servable` drops them. Idempotent on an already scrubbed frame.
    """
    if PII_COLUMN in df.columns:
        return df
    rewrites = F.coalesce(F.col("rewrites"), F.array().cast(CONTRACT_COLUMNS["rewrites"]))
    if not pii.enabled:
        return df.withColumn(PII_COLUMN, F.struct(F.lit(None).cast("string").alias("key"), F.array().cast("array<string>").alias("rewrites")))
    from . import pii as detectors

    settings = pii.model_copy()

    def flags(key, query, texts):
        kind, kinds = detectors.scan(key, query, list(texts) if texts is not None else [], settings)
        return {"key": kind, "rewrites": kinds}

    udf = F.udf(flags, PII_DDL, useArrow=True)
    query = F.col("query") if "query" in df.columns else F.lit(None).cast("string")
    flagged = df.withColumn(PII_COLUMN, udf(F.col("query_norm"), query, F.transform(rewrites, lambda r: r["rewrite"])))
    kinds = F.col(PII_COLUMN)["rewrites"]
    return flagged.withColumn("rewrites", F.filter(rewrites, lambda r, i: F.try_element_at(kinds, i + 1).isNull()))


def servable(df: DataFrame, min_users: int, pii) -> DataFrame:
    """What the online side may get: the k-users privacy filter, then no key or rewrite carrying personal data."""
    scrubbed = scrub(privacy_filter(df, min_users), pii)
    return scrubbed.where(F.col(PII_COLUMN)["key"].isNull())


def export_frame(df: DataFrame) -> DataFrame:
    """Exactly the export contract: query (= query_norm), rewrites (rewrite, relevance, score), model_version."""
    rewrites = F.transform(
        F.coalesce(F.col("rewrites"), F.array().cast(CONTRACT_COLUMNS["rewrites"])),
        lambda r: F.struct(r["rewrite"].alias("rewrite"), r["relevance"].alias("relevance"), r["score"].alias("score")),
    )
    return df.select(F.col("query_norm").alias("query"), rewrites.alias("rewrites"), F.col("model_version"))


def export_lines(df: DataFrame, keep_key: bool = False) -> DataFrame:
    """Column ``line``: the export JSON object, serialized on the executors (4x faster than Rows -> json.dumps).

    Null fields are kept (``"model_version": null``) so every line has exactly the contract's keys.
    ``keep_key`` puts ``query`` (the lookup key) before it, for key-value stores.
    """
    exported = export_frame(df)
    line = F.to_json(F.struct(*exported.columns), {"ignoreNullFields": "false"}).alias("line")
    return exported.select(F.col("query"), line) if keep_key else exported.select(line)


def to_record(row) -> dict:
    """A Row of :func:`export_frame` as the export/lookup dict (key order is the contract's)."""
    return {
        "query": row["query"],
        "rewrites": [
            {"rewrite": r["rewrite"], "relevance": r["relevance"], "score": r["score"]} for r in (row["rewrites"] or [])
        ],
        "model_version": row["model_version"],
    }
