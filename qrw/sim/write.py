"""Write a generated World as tables with Spark, in any of the formats the readers accept.

Explicit schemas, so the files look like the contract says (``event_time`` a
timestamp, ``position`` an int, ``attributes`` a map) whatever pandas inferred.
Text formats cannot hold maps and arrays: there ``attributes`` (and the truth
table's ``product_ids`` in CSV) become JSON strings, as the contract allows.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from ..errors import QrwError
from .world import World

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

FORMATS = ("delta", "parquet", "csv", "jsonl")
#: ISO-8601 with offset, so text files say unambiguously that times are UTC.
TIMESTAMP_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"


def schemas() -> dict:
    """Spark schemas of the World's tables (contract columns first, then the truth extras)."""
    from pyspark.sql.types import (
        ArrayType,
        BooleanType,
        IntegerType,
        MapType,
        StringType,
        StructField,
        StructType,
        TimestampType,
    )

    def s(*cols):
        return StructType([StructField(name, typ, True) for name, typ in cols])

    text = StringType()
    attrs = MapType(StringType(), StringType(), True)
    return {
        "catalog": s(("product_id", text), ("title", text), ("brand", text), ("category", text), ("attributes", attrs), ("description", text)),
        "search_log": s(
            ("event_time", TimestampType()),
            ("user_id", text),
            ("session_id", text),
            ("query", text),
            ("event_type", text),
            ("product_id", text),
            ("position", IntegerType()),
        ),
        "relevance_labels": s(("query", text), ("product_id", text), ("label", text)),
        "truth_queries": s(
            ("query_norm", text),
            ("intent_id", text),
            ("category", text),
            ("gap_type", text),
            ("canonical_query", text),
            ("gap_detail", text),
            ("engine_gap", BooleanType()),
        ),
        "truth_intents": s(
            ("intent_id", text),
            ("category", text),
            ("brand", text),
            ("canonical_query", text),
            ("product_ids", ArrayType(StringType(), True)),
            ("product_type", text),
            ("attributes", attrs),
        ),
    }


def _for_text(df: DataFrame, fmt: str) -> DataFrame:
    """Maps (and, for CSV, arrays) as JSON strings."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import ArrayType, MapType

    for field in df.schema.fields:
        if isinstance(field.dataType, MapType) or (fmt == "csv" and isinstance(field.dataType, ArrayType)):
            df = df.withColumn(field.name, F.to_json(F.col(field.name)))
    return df


def write_world(spark: SparkSession, world: World, out_dir: str, fmt: str = "delta") -> dict[str, str]:
    """Write every table of ``world`` to ``{out_dir}/{name}`` (overwriting); return name -> path."""
    if fmt not in FORMATS:
        raise QrwError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    specs = schemas()
    paths: dict[str, str] = {}
    arrow_key = "spark.sql.execution.arrow.pyspark.enabled"
    previous = spark.conf.get(arrow_key, "false")
    spark.conf.set(arrow_key, "true")  # pandas -> Spark without a per-row Python loop
    try:
        for name, pdf in world.tables().items():
            with warnings.catch_warnings():
                # pyspark's pandas conversion passes copy= to astype, which pandas 3 deprecates; harmless.
                warnings.filterwarnings("ignore", message="The copy keyword is deprecated")
                df = spark.createDataFrame(pdf, schema=specs[name])
            path = f"{out_dir.rstrip('/')}/{name}"
            writer = None
            if fmt in ("delta", "parquet"):
                writer = df.write.format(fmt).mode("overwrite")
                if fmt == "delta":
                    writer = writer.option("overwriteSchema", "true")
            elif fmt == "csv":
                writer = _for_text(df, fmt).write.mode("overwrite").option("header", "true").option("timestampFormat", TIMESTAMP_FORMAT).format("csv")
            else:
                writer = _for_text(df, fmt).write.mode("overwrite").option("timestampFormat", TIMESTAMP_FORMAT).format("json")
            writer.save(path)
            paths[name] = path
    finally:
        spark.conf.set(arrow_key, previous)
    return paths
