"""Format detection and raw reads: Delta, Parquet, CSV (header) or JSON Lines.

The format comes from the path (a ``_delta_log`` folder, or the file extension
of the path or of the files inside it) unless ``--format`` names it. Paths go
through Hadoop's FileSystem, so ``hdfs://``/``s3a://`` work like local ones.
"""

from __future__ import annotations

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import StructType

from ..errors import QrwError

FORMATS = ("delta", "parquet", "csv", "json")
_EXTENSIONS = {".parquet": "parquet", ".csv": "csv", ".json": "json", ".jsonl": "json", ".ndjson": "json"}
CORRUPT = "_corrupt_record"


def _hadoop_fs(spark: SparkSession, path: str):
    jvm = spark.sparkContext._jvm
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    return hpath.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()), hpath


def path_exists(spark: SparkSession, path: str) -> bool:
    fs, hpath = _hadoop_fs(spark, path)
    return bool(fs.exists(hpath))


def is_delta_table(spark: SparkSession, path: str) -> bool:
    fs, hpath = _hadoop_fs(spark, path)
    jvm = spark.sparkContext._jvm
    return bool(fs.exists(jvm.org.apache.hadoop.fs.Path(hpath, "_delta_log")))


def _extension_format(name: str) -> str | None:
    lowered = name.lower()
    for ext, fmt in _EXTENSIONS.items():
        if lowered.endswith(ext) or lowered.endswith(ext + ".gz"):
            return fmt
    return None


def detect_format(spark: SparkSession, path: str, fmt: str | None = None) -> str:
    """Return one of FORMATS for ``path`` or raise a QrwError that says how to fix it."""
    if fmt:
        fmt = {"jsonl": "json", "ndjson": "json"}.get(fmt.lower(), fmt.lower())
        if fmt not in FORMATS:
            raise QrwError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)} (jsonl = json)")
        return fmt
    fs, hpath = _hadoop_fs(spark, path)
    if not fs.exists(hpath):
        raise QrwError(f"input {path} does not exist")
    if is_delta_table(spark, path):
        return "delta"
    found = _extension_format(path)
    if found:
        return found
    if fs.getFileStatus(hpath).isDirectory():
        for status in fs.listStatus(hpath):
            found = _extension_format(status.getPath().getName())
            if found:
                return found
    raise QrwError(f"cannot tell the format of {path}: pass --format delta|parquet|csv|json")


def read_table(spark: SparkSession, path: str, fmt: str | None = None, schema: StructType | None = None) -> DataFrame:
    """Read ``path`` as-is. For text formats ``schema`` (all strings, plus CORRUPT) keeps bad rows readable."""
    fmt = detect_format(spark, path, fmt)
    reader = spark.read
    if fmt == "csv":
        reader = reader.option("header", True).option("multiLine", False).option("mode", "PERMISSIVE")
        if schema is not None:
            reader = reader.schema(schema).option("columnNameOfCorruptRecord", CORRUPT)
        return reader.csv(path)
    if fmt == "json":
        reader = reader.option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", CORRUPT)
        if schema is not None:
            reader = reader.schema(schema)
        return reader.json(path)
    return reader.format(fmt).load(path)
