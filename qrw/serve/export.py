"""``qrw export``: the published version as JSON Lines (the export contract) plus a manifest.

Rows come from the published Delta version (time travel), after the privacy
filter, sorted by query so two exports of one version are byte-identical and
the manifest's sha256 can be compared. Lines are serialized by Spark's
``to_json`` on the executors (the same export shape ``qrw lookup`` returns, from
:func:`~qrw.serve.snapshot.export_frame`); the driver only streams strings.

Atomicity: local paths are written to a temp file in the target folder, then
``os.replace``d. Other URIs (hdfs://, s3a://, ...) go through Hadoop's
FileSystem: a temp file then delete+rename, which is atomic on HDFS but only
"last writer wins" on object stores; readers should key on the manifest, which
is written last.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from urllib.parse import urlparse

from pyspark.sql import SparkSession
from rich.console import Console

from ..config import QrwConfig
from ..errors import QrwError
from . import versions
from .snapshot import export_lines, privacy_filter, read_version, require_table, require_users

MANIFEST_SUFFIX = ".manifest.json"
_CHUNK = 1 << 20


def manifest_path(out: str) -> str:
    return out + MANIFEST_SUFFIX


def require_published(spark: SparkSession, table: str) -> versions.Publication:
    require_table(spark, table)
    live = versions.published(spark, table)
    if live is None:
        raise QrwError(f"nothing has been published for {table} yet: run `qrw publish --table {table}` first")
    return live


def serving_min_users(live: versions.Publication, cfg: QrwConfig) -> int:
    """Never less private than the publish decision nor the current config."""
    return max(int(live.min_users), cfg.serve.min_users)


def published_lines(spark: SparkSession, cfg: QrwConfig, table: str) -> tuple[versions.Publication, int, Iterator[str]]:
    """(publication, min_users applied, JSON lines of the published version sorted by query, streamed)."""
    live = require_published(spark, table)
    df = read_version(spark, table, live.dictionary_version)
    require_users(df, table)
    min_users = serving_min_users(live, cfg)
    rows = export_lines(privacy_filter(df, min_users).orderBy("query_norm")).toLocalIterator()
    return live, min_users, (r[0] for r in rows)


def _chunks(lines: Iterable[str], stats: dict) -> Iterator[bytes]:
    """Encoded lines in ~1 MiB chunks, hashing and counting on the way."""
    buf: list[bytes] = []
    size = 0
    for text in lines:
        line = (text + "\n").encode("utf-8")
        stats["sha"].update(line)
        stats["rows"] += 1
        stats["bytes"] += len(line)
        buf.append(line)
        size += len(line)
        if size >= _CHUNK:
            yield b"".join(buf)
            buf, size = [], 0
    if buf:
        yield b"".join(buf)


def is_local(path: str) -> bool:
    return urlparse(path).scheme in ("", "file")


def local_path(path: str) -> str:
    return urlparse(path).path if path.startswith("file:") else path


def write_local(path: str, chunks: Iterable[bytes]) -> None:
    """Temp file in the target folder + fsync + os.replace: readers see the old file or the whole new one."""
    path = os.path.abspath(local_path(path))
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_hadoop(spark: SparkSession, uri: str, chunks: Iterable[bytes]) -> None:
    """Any Hadoop-compatible URI: temp file next to the target, then delete + rename."""
    jvm = spark.sparkContext._jvm
    target = jvm.org.apache.hadoop.fs.Path(uri)
    fs = target.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    tmp = jvm.org.apache.hadoop.fs.Path(target.getParent(), f".{target.getName()}.{os.getpid()}.tmp")
    stream = fs.create(tmp, True)
    try:
        for chunk in chunks:
            stream.write(bytearray(chunk), 0, len(chunk))
        stream.close()
        if fs.exists(target):
            fs.delete(target, False)
        if not fs.rename(tmp, target):
            raise QrwError(f"could not move the export into place at {uri}; the data is in {tmp.toString()}")
    except BaseException:
        try:
            stream.close()
        finally:
            if fs.exists(tmp):
                fs.delete(tmp, False)
        raise


def write_file(spark: SparkSession, path: str, chunks: Iterable[bytes]) -> None:
    if is_local(path):
        write_local(path, chunks)
    else:
        write_hadoop(spark, path, chunks)


def export(cfg: QrwConfig, *, table: str, out: str) -> dict:
    """Write the published version to ``out`` (JSON Lines) and ``out.manifest.json``; returns the manifest."""
    from ..spark import spark_session

    spark = spark_session(cfg)
    live, min_users, lines = published_lines(spark, cfg, table)
    stats = {"sha": hashlib.sha256(), "rows": 0, "bytes": 0}
    write_file(spark, out, _chunks(lines, stats))
    manifest = {
        "table": table,
        "dictionary_version": live.dictionary_version,
        "rows": stats["rows"],
        "bytes": stats["bytes"],
        "sha256": stats["sha"].hexdigest(),
        "min_users": min_users,
        # counted when the version was gated; unknown when export applies a stricter min_users
        "privacy_filtered": live.privacy_filtered if min_users == live.min_users else None,
        "model_versions": live.model_versions,
        "published_at": live.published_at.isoformat(),
        "exported_at": datetime.now(timezone.utc).isoformat(),
        "format": "jsonl: {query, rewrites: [{rewrite, relevance, score}], model_version}",
    }
    write_file(spark, manifest_path(out), [json.dumps(manifest, indent=2).encode("utf-8")])
    Console(stderr=True).print(f"exported version {live.dictionary_version} of {table}: {stats['rows']} queries -> {out}")
    return manifest
