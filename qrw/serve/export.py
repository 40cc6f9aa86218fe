"""``qrw export``: the published version as JSON Lines (the export contract) or Parquet, plus a manifest;
or into Redis (:mod:`qrw.serve.redis_store`); or only what changed since an earlier publication
(:mod:`qrw.serve.changes`).

Rows come from the published Delta version (time travel), after the privacy and
PII filters (:func:`~qrw.serve.snapshot.servable`), sorted by query so two exports
of one version are byte-identical and the manifest's sha256 can be compared.
Lines are serialized by Spark's ``to_json`` on the executors (the same export
shape ``qrw lookup`` returns); the driver only streams strings.

Snapshot pairs: the data and the manifest are both written to temp files in the
target folder first (created with the process umask, fsynced); only when both are
complete are they renamed into place, data then manifest. A failure before that
(disk full, a manifest that cannot be written) leaves the previous pair untouched.
The manifest's ``sha256`` and ``rows`` let a reader check that the two files it
opened belong together (read the manifest, then the data; re-read on a mismatch).
Other URIs (hdfs://, s3a://, ...) go through Hadoop's FileSystem the same way
(delete + rename: atomic on HDFS, "last writer wins" on object stores).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from urllib.parse import urlparse

from pyspark.sql import DataFrame, SparkSession
from rich.console import Console

from ..config import QrwConfig
from ..errors import QrwError
from . import versions
from .snapshot import export_lines, read_version, require_table, require_users, servable

MANIFEST_SUFFIX = ".manifest.json"
FORMATS = ("jsonl", "parquet")
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


def servable_version(spark: SparkSession, cfg: QrwConfig, table: str, version: int, min_users: int) -> DataFrame:
    """The rows of one dictionary version the online side may get (privacy + PII filters)."""
    df = read_version(spark, table, version)
    require_users(df, table)
    return servable(df, min_users, cfg.serve.pii)


def published_frame(spark: SparkSession, cfg: QrwConfig, table: str) -> tuple[versions.Publication, int, DataFrame]:
    """(publication, min_users applied, servable rows of the published version)."""
    live = require_published(spark, table)
    min_users = serving_min_users(live, cfg)
    return live, min_users, servable_version(spark, cfg, table, live.dictionary_version, min_users)


def keyed_lines(df: DataFrame) -> Iterator[tuple[str, str]]:
    """(query_norm, export JSON line) sorted by query, streamed to the driver."""
    lines = export_lines(df.orderBy("query_norm"), keep_key=True)
    return ((r[0], r[1]) for r in lines.toLocalIterator())


def published_lines(spark: SparkSession, cfg: QrwConfig, table: str) -> tuple[versions.Publication, int, Iterator[str]]:
    """(publication, min_users applied, JSON lines of the published version sorted by query, streamed)."""
    live, min_users, df = published_frame(spark, cfg, table)
    return live, min_users, (line for _key, line in keyed_lines(df))


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


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_local_target(out: str) -> str:
    """Refuse, before any Spark work, a target that cannot become a file; returns the absolute path."""
    path = os.path.abspath(local_path(out))
    for target in (path, manifest_path(path)):
        if os.path.isdir(target):
            raise QrwError(f"cannot export to {target}: it is a directory; give a file path, e.g. {os.path.join(target, 'rewrites.jsonl')}")
    parent = os.path.dirname(path)
    probe = parent
    while not os.path.exists(probe):
        probe = os.path.dirname(probe)
    if not os.path.isdir(probe):
        raise QrwError(f"cannot export to {path}: {probe} is a file, not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise QrwError(f"cannot export to {path}: no permission to write in {probe}")
    return path


def _os_error(path: str, exc: OSError) -> QrwError:
    return QrwError(f"cannot write the export at {path}: {exc.strerror or exc}")


class _LocalTemp:
    """A temp file next to ``path``, with the mode a plain ``open()`` would give (umask), removed unless committed."""

    def __init__(self, path: str):
        self.path = path
        folder = os.path.dirname(path)
        try:
            os.makedirs(folder, exist_ok=True)
            fd, self.tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
            os.fchmod(fd, 0o666 & ~_umask())
        except OSError as exc:
            raise _os_error(path, exc) from None
        self.fh = os.fdopen(fd, "wb")

    def write_all(self, chunks: Iterable[bytes]) -> None:
        try:
            for chunk in chunks:
                self.fh.write(chunk)
            self.fh.flush()
            os.fsync(self.fh.fileno())
            self.fh.close()
        except OSError as exc:
            raise _os_error(self.path, exc) from None

    def commit(self) -> None:
        try:
            os.replace(self.tmp, self.path)
        except OSError as exc:
            raise _os_error(self.path, exc) from None

    def discard(self) -> None:
        if not self.fh.closed:
            self.fh.close()
        if os.path.exists(self.tmp):
            os.unlink(self.tmp)


def write_local_pair(path: str, data: Iterable[bytes] | str, manifest_of) -> dict:
    """Data (chunks, or an already written file to move) and its manifest, renamed into place only when both are written."""
    path = check_local_target(path)
    data_tmp = _LocalTemp(path)
    manifest_tmp = None
    try:
        if isinstance(data, str):
            data_tmp.fh.close()
            try:
                os.replace(data, data_tmp.tmp)
                os.chmod(data_tmp.tmp, 0o666 & ~_umask())
            except OSError as exc:
                raise _os_error(path, exc) from None
        else:
            data_tmp.write_all(data)
        manifest = manifest_of()
        manifest_tmp = _LocalTemp(manifest_path(path))
        manifest_tmp.write_all([json.dumps(manifest, indent=2).encode("utf-8")])
        _commit_pair(path, data_tmp, manifest_tmp)
        return manifest
    finally:
        data_tmp.discard()
        if manifest_tmp is not None:
            manifest_tmp.discard()


def _commit_pair(path: str, data_tmp: _LocalTemp, manifest_tmp: _LocalTemp) -> None:
    """Rename data then manifest; if the manifest cannot be moved, put the previous data file back."""
    backup = None
    if os.path.exists(path):
        backup = f"{data_tmp.tmp}.previous"
        try:
            os.link(path, backup)
        except OSError:
            shutil.copy2(path, backup)
    try:
        data_tmp.commit()
        try:
            manifest_tmp.commit()
        except BaseException:
            if backup is not None:
                os.replace(backup, path)
                backup = None
            else:
                os.unlink(path)
            raise
    finally:
        if backup is not None and os.path.exists(backup):
            os.unlink(backup)


def write_hadoop(spark: SparkSession, uri: str, chunks: Iterable[bytes]) -> None:
    """Any Hadoop-compatible URI: temp file next to the target, then delete + rename."""
    fs, target, tmp = _hadoop_temp(spark, uri)
    _hadoop_write(fs, tmp, chunks)
    _hadoop_commit(fs, tmp, target, uri)


def _hadoop_temp(spark: SparkSession, uri: str):
    jvm = spark.sparkContext._jvm
    target = jvm.org.apache.hadoop.fs.Path(uri)
    fs = target.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    tmp = jvm.org.apache.hadoop.fs.Path(target.getParent(), f".{target.getName()}.{os.getpid()}.tmp")
    return fs, target, tmp


def _hadoop_write(fs, tmp, chunks: Iterable[bytes]) -> None:
    stream = fs.create(tmp, True)
    try:
        for chunk in chunks:
            stream.write(bytearray(chunk), 0, len(chunk))
        stream.close()
    except BaseException:
        try:
            stream.close()
        finally:
            if fs.exists(tmp):
                fs.delete(tmp, False)
        raise


def _hadoop_commit(fs, tmp, target, uri: str) -> None:
    if fs.exists(target):
        fs.delete(target, False)
    if not fs.rename(tmp, target):
        raise QrwError(f"could not move the export into place at {uri}; the data is in {tmp.toString()}")


def write_hadoop_pair(spark: SparkSession, uri: str, chunks: Iterable[bytes], manifest_of) -> dict:
    fs, target, tmp = _hadoop_temp(spark, uri)
    mfs, mtarget, mtmp = _hadoop_temp(spark, manifest_path(uri))
    try:
        _hadoop_write(fs, tmp, chunks)
        manifest = manifest_of()
        _hadoop_write(mfs, mtmp, [json.dumps(manifest, indent=2).encode("utf-8")])
        _hadoop_commit(fs, tmp, target, uri)
        _hadoop_commit(mfs, mtmp, mtarget, manifest_path(uri))
        return manifest
    finally:
        for f, t in ((fs, tmp), (mfs, mtmp)):
            if f.exists(t):
                f.delete(t, False)


def write_pair(spark: SparkSession, out: str, chunks: Iterable[bytes], manifest_of) -> dict:
    if is_local(out):
        return write_local_pair(out, chunks, manifest_of)
    return write_hadoop_pair(spark, out, chunks, manifest_of)


def _base_manifest(table: str, live: versions.Publication, min_users: int) -> dict:
    return {
        "table": table,
        "dictionary_version": live.dictionary_version,
        "min_users": min_users,
        # counted when the version was gated; unknown when export applies a stricter min_users
        "privacy_filtered": live.privacy_filtered if min_users == live.min_users else None,
        "model_versions": live.model_versions,
        "published_at": live.published_at.isoformat(),
    }


def _parquet_file(spark: SparkSession, df: DataFrame, near: str) -> str:
    """One sorted Parquet file of the export frame, written by Spark into a temp folder next to ``near``."""
    from .snapshot import export_frame

    folder = tempfile.mkdtemp(prefix=f".{os.path.basename(near)}.", suffix=".parquet.tmp", dir=os.path.dirname(near))
    try:
        export_frame(df).orderBy("query").coalesce(1).write.mode("overwrite").parquet("file://" + folder)
        parts = [f for f in os.listdir(folder) if f.endswith(".parquet")]
        if len(parts) != 1:
            raise QrwError(f"expected one Parquet file from Spark in {folder}, found {len(parts)}")
        single = near + f".{os.getpid()}.part"
        os.replace(os.path.join(folder, parts[0]), single)
        return single
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def export(cfg: QrwConfig, *, table: str, out: str, fmt: str = "jsonl") -> dict:
    """Write the published version to ``out`` (JSON Lines or Parquet) and ``out.manifest.json``; returns the manifest."""
    from ..spark import spark_session

    if fmt not in FORMATS:
        raise QrwError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    if is_local(out):
        check_local_target(out)
    spark = spark_session(cfg)
    live, min_users, df = published_frame(spark, cfg, table)
    base = _base_manifest(table, live, min_users)
    if fmt == "parquet":
        if not is_local(out):
            raise QrwError("--format parquet writes local paths only for now; export JSON Lines to a URI")
        path = check_local_target(out)
        single = _parquet_file(spark, df, path)
        try:
            digest = hashlib.sha256()
            with open(single, "rb") as fh:
                for block in iter(lambda: fh.read(_CHUNK), b""):
                    digest.update(block)
            size = os.path.getsize(single)
            rows = spark.read.parquet("file://" + single).count()
            manifest = write_local_pair(
                path,
                single,
                lambda: {**base, "rows": rows, "bytes": size, "sha256": digest.hexdigest(), "exported_at": _now(), "format": "parquet: query string, rewrites array<struct<rewrite, relevance, score>>, model_version string"},
            )
        finally:
            if os.path.exists(single):
                os.unlink(single)
    else:
        stats = {"sha": hashlib.sha256(), "rows": 0, "bytes": 0}
        lines = (line for _key, line in keyed_lines(df))
        manifest = write_pair(
            spark,
            out,
            _chunks(lines, stats),
            lambda: {
                **base,
                "rows": stats["rows"],
                "bytes": stats["bytes"],
                "sha256": stats["sha"].hexdigest(),
                "exported_at": _now(),
                "format": "jsonl: {query, rewrites: [{rewrite, relevance, score}], model_version}",
            },
        )
    Console(stderr=True).print(f"exported version {live.dictionary_version} of {table}: {manifest['rows']} queries -> {out}")
    return manifest


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def source_id(table: str, version: int, min_users: int, cfg: QrwConfig) -> str:
    """What a Redis generation was built from: equal ids mean equal contents (reloads are skipped)."""
    pii = cfg.serve.pii
    return f"{table}@{version}/min_users={min_users}/pii={int(pii.enabled)}:{','.join(sorted(pii.kinds))}:{pii.phone_min_digits}-{pii.phone_max_digits}"


def export_redis(cfg: QrwConfig, *, table: str, url: str, force: bool = False) -> dict:
    """Load the published version into Redis behind the atomic switch; skipped when Redis already serves it."""
    from ..spark import spark_session
    from .redis_store import Keys, connect, live_meta, load_full

    client = connect(url, cfg.serve.redis_timeout_s)  # fail fast, before Spark
    keys = Keys(cfg.serve.redis_namespace)
    spark = spark_session(cfg)
    live, min_users, df = published_frame(spark, cfg, table)
    source = source_id(table, live.dictionary_version, min_users, cfg)
    current = live_meta(client, keys)
    console = Console(stderr=True)
    if current and current.get("source") == source and not force:
        console.print(f"Redis at {url} already serves version {live.dictionary_version} of {table} ({current['generation']}): nothing to do")
        return {"url": url, "decision": "unchanged", "generation": current["generation"], "dictionary_version": live.dictionary_version, "rows": int(current.get("rows") or 0)}
    meta = {**_base_manifest(table, live, min_users), "source": source, "model_versions": ",".join(live.model_versions)}
    report = load_full(client, keys, keyed_lines(df), meta, cfg.serve)
    console.print(
        f"loaded version {live.dictionary_version} of {table} into Redis at {url}: {report['rows']} keys as {report['generation']} "
        f"({report['keys_per_s'] or 0:.0f} keys/s); previous {report['previous'] or 'none'} expires in {cfg.serve.redis_grace_s}s"
    )
    return {"url": url, "decision": "loaded", "dictionary_version": live.dictionary_version, "min_users": min_users, **report}
