"""Readers for the input contracts: validate every row, never crash on one.

Each reader returns a :class:`Loaded`: the valid rows in contract types (plus a
``query_norm`` column where a query exists), the rejected rows with a
``reason``, and counts. Rejected rows keep their original values as JSON in
``record`` so nothing is lost; the first failing rule is the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import IntegerType, MapType, StringType

from ..config import InputSection
from ..errors import QrwError
from ..normalize import normalize
from .formats import CORRUPT, read_table

EVENT_TYPES = ("search", "click", "add_to_cart", "order")
ESCI_GRADES = {"exact": 3, "substitute": 2, "complement": 1, "irrelevant": 0}

SEARCH_LOG_COLUMNS = ["event_time", "user_id", "session_id", "query", "event_type", "product_id", "position"]
SEARCH_LOG_REQUIRED = ["event_time", "user_id", "event_type"]
CATALOG_COLUMNS = ["product_id", "title", "brand", "category", "attributes", "description"]
LABEL_COLUMNS = ["query", "product_id", "label"]

ATTRIBUTES_TYPE = MapType(StringType(), StringType())


@dataclass
class Loaded:
    """Valid rows, rejects (``reason`` + ``record``) and their counts."""

    source: str
    valid: DataFrame
    rejects: DataFrame
    total: int = 0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)

    @property
    def rejected(self) -> int:
        return sum(self.rejected_by_reason.values())

    @property
    def valid_count(self) -> int:
        return self.total - self.rejected

    def summary(self) -> dict:
        return {
            "source": self.source,
            "rows": self.total,
            "valid": self.valid_count,
            "rejected": self.rejected,
            "rejected_by_reason": dict(self.rejected_by_reason),
        }


@F.pandas_udf(StringType())
def normalize_udf(queries: pd.Series) -> pd.Series:
    """Spark column version of qrw.normalize (the one normalization)."""
    return queries.map(lambda q: None if q is None or (isinstance(q, float) and pd.isna(q)) else normalize(q))


def _read_raw(spark: SparkSession, path: str, fmt: str | None, columns: list[str], required: list[str], source: str) -> DataFrame:
    df = read_table(spark, path, fmt, columns=columns, required=required, source=source)
    present = set(df.columns)
    missing = [c for c in required if c not in present]
    if missing and CORRUPT not in present:  # typed formats; CSV checks its header, JSON rows are rejected one by one
        raise QrwError(
            f"{source} at {path} has no column(s) {', '.join(missing)} (found: {', '.join(sorted(present))}); "
            f"see docs/contracts.md"
        )
    for col in columns + [CORRUPT]:
        if col not in present:
            df = df.withColumn(col, F.lit(None).cast(StringType()))
    return df


@F.pandas_udf(StringType())
def _escape_invalid_utf8(raw: pd.Series) -> pd.Series:
    """Bytes -> text, invalid UTF-8 sequences as ``\\xNN`` escapes (valid text is unchanged)."""
    return raw.map(lambda b: None if b is None else bytes(b).decode("utf-8", "backslashreplace"))


def _bad_utf8(col: str) -> Column:
    """Invalid UTF-8 bytes (Parquet/Delta) or the replacement char that CSV/JSON decoding leaves behind."""
    c = F.col(col).cast(StringType())
    return c.isNotNull() & (~F.expr(f"is_valid_utf8(CAST(`{col}` AS STRING))") | c.contains("\ufffd"))


def _corrupt_rules() -> list[tuple[Column, str]]:
    """A record the text parser could not read: invalid UTF-8 (a JSON line with bad bytes), else malformed."""
    corrupt = F.col(CORRUPT).isNotNull()
    return [(corrupt & ~F.is_valid_utf8(F.col(CORRUPT)), "invalid UTF-8"), (corrupt, "malformed record")]


def _first_reason(rules: list[tuple[Column, Column | str]]) -> Column:
    expr = None
    for cond, reason in rules:
        value = reason if isinstance(reason, Column) else F.lit(reason)
        expr = F.when(cond, value) if expr is None else expr.when(cond, value)
    return expr.otherwise(F.lit(None).cast(StringType()))


def _blank(col: str) -> Column:
    return F.col(col).isNull() | (F.trim(F.col(col).cast(StringType())) == "")


def _split(spark: SparkSession, source: str, raw: DataFrame, reason: Column, valid_cols: list[Column]) -> Loaded:
    """Classify rows once (cached), then count, so reasons are computed a single time."""
    original = [c for c in raw.columns if c != CORRUPT]
    tagged = raw.withColumn("_reason", reason).cache()
    record = F.coalesce(F.col(CORRUPT), F.to_json(F.struct(*[F.col(c).cast(StringType()).alias(c) for c in original])))
    rejects = tagged.where(F.col("_reason").isNotNull()).select(
        F.lit(source).alias("source"),
        F.col("_reason").alias("reason"),
        # A record with invalid UTF-8 (a JSON line, a Parquet string) is stored escaped: Arrow
        # readers of the rejects table fail on raw invalid bytes in a string column.
        F.when(F.is_valid_utf8(record), record).otherwise(_escape_invalid_utf8(record.cast("binary")))
        .alias("record"),
    )
    valid = tagged.where(F.col("_reason").isNull()).select(*valid_cols)
    counts = tagged.groupBy("_reason").count().collect()
    total = sum(r["count"] for r in counts)
    by_reason = {r["_reason"]: r["count"] for r in counts if r["_reason"] is not None}
    return Loaded(source=source, valid=valid, rejects=rejects, total=total, rejected_by_reason=by_reason)


def _timestamp(col: str) -> Column:
    # Already a timestamp (Delta/Parquet) or ISO-8601 text (CSV/JSON, 'T' or space, optional zone).
    # try_cast: Spark 4 runs in ANSI mode, where a bad value would fail the whole job.
    return F.expr(f"try_cast(`{col}` AS TIMESTAMP)")


def read_search_log(spark: SparkSession, path: str, cfg: InputSection | None = None, fmt: str | None = None) -> Loaded:
    """search_log -> valid events (contract columns + ``query_norm``) and rejects."""
    cfg = cfg or InputSection()
    raw = _read_raw(spark, path, fmt, SEARCH_LOG_COLUMNS, SEARCH_LOG_REQUIRED, "search_log")
    event_type = F.lower(F.trim(F.col("event_type").cast(StringType())))
    query = F.trim(F.col("query").cast(StringType()))
    ts = _timestamp("event_time")
    position = F.expr("try_cast(CAST(position AS STRING) AS INT)")
    reason = _first_reason(
        [
            *_corrupt_rules(),
            (F.col("event_time").isNull(), "missing event_time"),
            (ts.isNull(), "event_time is not a timestamp"),
            (_blank("user_id"), "missing user_id"),
            (_blank("event_type"), "missing event_type"),
            (~event_type.isin(*EVENT_TYPES), F.concat(F.lit("unknown event_type: "), F.substring(event_type, 1, 40))),
            (_bad_utf8("query") | _bad_utf8("user_id") | _bad_utf8("product_id") | _bad_utf8("session_id"), "invalid UTF-8"),
            ((event_type == "search") & (query.isNull() | (query == "")), "search without query"),
            ((event_type != "search") & _blank("product_id"), F.concat(event_type, F.lit(" without product_id"))),
            (F.length(query) > cfg.max_query_chars, f"query over {cfg.max_query_chars} characters"),
            (F.col("position").isNotNull() & position.isNull(), "position is not an integer"),
        ]
    )
    valid_cols = [
        ts.alias("event_time"),
        F.col("user_id").cast(StringType()).alias("user_id"),
        F.col("session_id").cast(StringType()).alias("session_id"),
        query.alias("query"),
        event_type.alias("event_type"),
        F.col("product_id").cast(StringType()).alias("product_id"),
        position.cast(IntegerType()).alias("position"),
    ]
    loaded = _split(spark, "search_log", raw, reason, valid_cols)
    loaded.valid = loaded.valid.withColumn("query_norm", normalize_udf(F.col("query")))
    return loaded


def _attributes(col: str, dtype) -> Column:
    if isinstance(dtype, MapType):
        return F.col(col).cast(ATTRIBUTES_TYPE)
    return F.from_json(F.col(col).cast(StringType()), ATTRIBUTES_TYPE)


def read_catalog(spark: SparkSession, path: str, fmt: str | None = None) -> Loaded:
    """catalog -> valid products (unique ``product_id``, ``attributes`` as a map) and rejects."""
    raw = _read_raw(spark, path, fmt, CATALOG_COLUMNS, ["product_id", "title"], "catalog")
    attrs = _attributes("attributes", raw.schema["attributes"].dataType)
    attrs_text = F.trim(F.col("attributes").cast(StringType()))
    is_map = isinstance(raw.schema["attributes"].dataType, MapType)
    from pyspark.sql.window import Window

    dup_rank = F.row_number().over(Window.partitionBy(F.trim(F.col("product_id").cast(StringType()))).orderBy(F.monotonically_increasing_id()))
    reason = _first_reason(
        [
            *_corrupt_rules(),
            (_blank("product_id"), "missing product_id"),
            (_blank("title"), "missing title"),
            (_bad_utf8("title") | _bad_utf8("product_id") | _bad_utf8("brand") | _bad_utf8("description"), "invalid UTF-8"),
            (
                F.lit(not is_map) & F.col("attributes").isNotNull() & (attrs_text != "") & attrs.isNull(),
                "attributes is not a JSON object of strings",
            ),
            (dup_rank > 1, "duplicate product_id"),
        ]
    )
    valid_cols = [
        F.trim(F.col("product_id").cast(StringType())).alias("product_id"),
        F.trim(F.col("title").cast(StringType())).alias("title"),
        F.col("brand").cast(StringType()).alias("brand"),
        F.col("category").cast(StringType()).alias("category"),
        attrs.alias("attributes"),
        F.col("description").cast(StringType()).alias("description"),
    ]
    return _split(spark, "catalog", raw, reason, valid_cols)


def read_labels(spark: SparkSession, path: str, fmt: str | None = None) -> Loaded:
    """relevance_labels -> (query, query_norm, product_id, grade 0..3) and rejects."""
    raw = _read_raw(spark, path, fmt, LABEL_COLUMNS, LABEL_COLUMNS, "relevance_labels")
    text = F.lower(F.trim(F.col("label").cast(StringType())))
    mapping = F.create_map(*[x for k, v in ESCI_GRADES.items() for x in (F.lit(k), F.lit(v))])
    grade = F.coalesce(mapping[text], F.expr("try_cast(trim(CAST(label AS STRING)) AS INT)"))
    reason = _first_reason(
        [
            *_corrupt_rules(),
            (_blank("query"), "missing query"),
            (_blank("product_id"), "missing product_id"),
            (_bad_utf8("query"), "invalid UTF-8"),
            (grade.isNull() | ~grade.between(0, 3), "label is not exact/substitute/complement/irrelevant or 0-3"),
        ]
    )
    valid_cols = [
        F.trim(F.col("query").cast(StringType())).alias("query"),
        F.trim(F.col("product_id").cast(StringType())).alias("product_id"),
        grade.cast(IntegerType()).alias("grade"),
    ]
    loaded = _split(spark, "relevance_labels", raw, reason, valid_cols)
    loaded.valid = loaded.valid.withColumn("query_norm", normalize_udf(F.col("query")))
    return loaded
