"""Format detection and raw reads: Delta, Parquet, CSV (header) or JSON Lines.

The format comes from the path (a ``_delta_log`` folder, or the file extension
of the path or of the files inside it) unless ``--format`` names it. Either way
the first data file's leading bytes are checked against it before Spark reads
anything (Parquet starts with ``PAR1``, JSON Lines with ``{``), so a mismatch
such as ``--format parquet`` on a CSV file is a clear error, not a Spark task
failure. Paths go through Hadoop's FileSystem, so ``hdfs://``/``s3a://`` work
like local ones.

CSV is read **by header name**: each file's header is parsed here and becomes
the schema (every column a string), so columns in any order land in the right
contract column; files of one directory with different headers are read per
header and unioned by name. Quoted fields may hold newlines (``multiLine``;
such a file is read by one task).
"""

from __future__ import annotations

import csv
import io
import zlib

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import StringType, StructField, StructType

from ..errors import QrwError

FORMATS = ("delta", "parquet", "csv", "json")
_EXTENSIONS = {".parquet": "parquet", ".csv": "csv", ".json": "json", ".jsonl": "json", ".ndjson": "json"}
CORRUPT = "_corrupt_record"
#: Bytes read from the head of a file to sniff its format or parse its CSV header.
_HEAD_BYTES = 64 * 1024
_NAMES = {"delta": "a Delta table", "parquet": "Parquet", "csv": "CSV", "json": "JSON Lines"}


def _hadoop_fs(spark: SparkSession, path: str):
    jvm = spark.sparkContext._jvm
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    return hpath.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()), hpath


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


def _hidden(name: str) -> bool:
    """Spark's rule: files and folders starting with ``_`` or ``.`` are not data (``_SUCCESS``, ``.crc``)."""
    return name.startswith("_") or name.startswith(".")


def data_files(spark: SparkSession, path: str) -> list[str]:
    """Every data file under ``path`` (itself if a file), recursively, skipping hidden names like Spark does."""
    fs, hpath = _hadoop_fs(spark, path)
    if not fs.getFileStatus(hpath).isDirectory():
        return [str(hpath.toString())]
    root = str(fs.makeQualified(hpath).toString()).rstrip("/")
    files = []
    it = fs.listFiles(hpath, True)
    while it.hasNext():
        status = it.next()
        full = str(status.getPath().toString())
        relative = full[len(root) :].strip("/") if full.startswith(root) else status.getPath().getName()
        if any(_hidden(part) for part in relative.split("/")):
            continue
        files.append(full)
    return sorted(files)


def head_bytes(spark: SparkSession, file: str, n: int = _HEAD_BYTES) -> bytes:
    """The first ``n`` bytes of ``file`` (decompressed when it is gzip), through Hadoop's FileSystem."""
    fs, hpath = _hadoop_fs(spark, file)
    stream = fs.open(hpath)
    try:
        raw = bytes(stream.readNBytes(n))
    finally:
        stream.close()
    if raw[:2] == b"\x1f\x8b":  # gzip: decompress what we have (a partial stream is fine)
        try:
            raw = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw, n)
        except zlib.error:
            return b""
    return raw


def sniff(head: bytes) -> str | None:
    """What the leading bytes look like: parquet, json, csv, or None (empty / unknown compression)."""
    if head.startswith(b"PAR1"):
        return "parquet"
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if not text:
        return None
    if text[:1] == b"{":
        return "json"
    if text[:1] in (b"\x00",) or b"\x00" in text[:512]:
        return None  # binary we do not know (another codec): let Spark decide
    return "csv"


def _first_data_head(spark: SparkSession, path: str) -> tuple[str, bytes] | None:
    for file in data_files(spark, path):
        head = head_bytes(spark, file)
        if sniff(head) is not None:
            return file, head
    return None


def _check_content(spark: SparkSession, path: str, fmt: str, explicit: bool) -> None:
    """Raise a QrwError when the data does not look like ``fmt`` (before Spark fails a task on it)."""
    how = f"--format {fmt}" if explicit else f"its name (format {fmt})"
    delta = is_delta_table(spark, path)
    if fmt == "delta":
        if not delta:
            raise QrwError(f"{path} is not a Delta table (no _delta_log folder), but {how} says so; pass --format parquet|csv|json")
        return
    if delta and explicit:
        raise QrwError(f"{path} is a Delta table, but --format {fmt} would read its files directly (also the removed ones); pass --format delta or leave --format out")
    found = _first_data_head(spark, path)
    if found is None:
        return
    file, head = found
    kind = sniff(head)
    if kind == fmt:
        return
    if fmt == "json" and kind == "csv":
        start = head.lstrip(b"\xef\xbb\xbf").lstrip()[:40].decode("utf-8", "backslashreplace")
        raise QrwError(f"{path} is not JSON Lines ({file} starts with {start!r}, not '{{'), but {how} says so; pass --format csv if it is CSV")
    raise QrwError(f"{path} is not {_NAMES[fmt]}: {file} looks like {_NAMES[kind]}, but {how} says so; pass --format {kind}")


def detect_format(spark: SparkSession, path: str, fmt: str | None = None) -> str:
    """Return one of FORMATS for ``path`` or raise a QrwError that says how to fix it."""
    if fmt:
        fmt = {"jsonl": "json", "ndjson": "json"}.get(fmt.lower(), fmt.lower())
        if fmt not in FORMATS:
            raise QrwError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)} (jsonl = json)")
    fs, hpath = _hadoop_fs(spark, path)
    if not fs.exists(hpath):
        raise QrwError(f"input {path} does not exist")
    explicit = fmt is not None
    if fmt is None:
        fmt = _format_from_path(spark, path, fs, hpath)
    _check_content(spark, path, fmt, explicit)
    return fmt


def _format_from_path(spark: SparkSession, path: str, fs, hpath) -> str:
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


def csv_header(head: bytes) -> list[str] | None:
    """The header record of a CSV file's head (quotes and embedded newlines handled); None when empty."""
    text = head.lstrip(b"\xef\xbb\xbf").decode("utf-8", "replace")
    try:
        row = next(csv.reader(io.StringIO(text, newline="")), None)
    except csv.Error:
        return None
    if not row or all(not c.strip() for c in row):
        return None
    return [c.strip() for c in row]


def _csv_schema(header: list[str], columns: list[str], file: str) -> StructType:
    """One string column per header name (contract names matched case-insensitively), plus CORRUPT."""
    canonical = {c.lower(): c for c in columns}
    names = [canonical.get(h.lower(), h) for h in header]
    seen: set[str] = set()
    for i, name in enumerate(names):
        if not name:
            names[i] = name = f"_c{i}"
        if name.lower() in seen:
            raise QrwError(f"{file}: the CSV header names column {name!r} twice; each column needs one name")
        seen.add(name.lower())
    return StructType([StructField(n, StringType()) for n in names] + [StructField(CORRUPT, StringType())])


def _csv_reader(spark: SparkSession, schema: StructType):
    return (
        spark.read.option("header", True)
        .option("multiLine", True)
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", CORRUPT)
        .schema(schema)
    )


def read_csv_by_header(spark: SparkSession, path: str, columns: list[str], required: list[str], source: str) -> DataFrame:
    """Read CSV by header name (see the module docstring); a file without a required column is an error naming it."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for file in data_files(spark, path):
        header = csv_header(head_bytes(spark, file))
        if header is not None:
            groups.setdefault(tuple(header), []).append(file)
    if not groups:
        raise QrwError(f"{source} at {path} has no CSV data (every file is empty); see docs/contracts.md")
    frames = []
    for header, files in groups.items():
        schema = _csv_schema(list(header), columns, files[0])
        present = {f.name for f in schema.fields}
        missing = [c for c in required if c not in present]
        if missing:
            raise QrwError(
                f"{source} at {path}: {files[0]} has no column(s) {', '.join(missing)} in its CSV header "
                f"(found: {', '.join(header)}); see docs/contracts.md"
            )
        if len(groups) == 1:
            frames.append(_csv_reader(spark, schema).csv(path))
        else:
            frames.append(_csv_reader(spark, schema).option("basePath", path).csv(files))
    frame = frames[0]
    for other in frames[1:]:
        frame = frame.unionByName(other, allowMissingColumns=True)
    return frame


def read_table(
    spark: SparkSession,
    path: str,
    fmt: str | None = None,
    columns: list[str] | None = None,
    required: list[str] | None = None,
    source: str = "input",
) -> DataFrame:
    """Read ``path`` as-is. For text formats every column is a string and bad rows stay readable (CORRUPT).

    ``columns``: the contract columns (JSON reads exactly these; CSV matches its header
    to them case-insensitively and keeps extra columns); ``required``: CSV columns whose
    absence from a header is an error.
    """
    fmt = detect_format(spark, path, fmt)
    if fmt == "csv":
        return read_csv_by_header(spark, path, columns or [], required or [], source)
    if fmt == "json":
        reader = spark.read.option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", CORRUPT)
        if columns is not None:
            reader = reader.schema(StructType([StructField(c, StringType()) for c in columns] + [StructField(CORRUPT, StringType())]))
        return reader.json(path)
    return spark.read.format(fmt).load(path)
