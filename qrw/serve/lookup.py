"""``qrw lookup``: what the online side gets for a raw query, from the published version.

The first call for a published version loads its publishable rows into a dict
(one Spark job); later calls in the process are dictionary hits. Whether the
published version moved is checked cheaply on every call: the publication log's
latest Delta commit is read from its ``_delta_log`` listing (no Spark job), and
the log itself is only re-read when that changes. The in-memory snapshot suits a CLI, a notebook or a test; the online
service reads Redis (``qrw export --to redis://``, :class:`~qrw.serve.redis_store.RedisReader`,
``qrw lookup --from redis://``) or loads the ``qrw export`` file into its own store.
"""

from __future__ import annotations

import os
import re

from pyspark.sql import SparkSession

from ..config import QrwConfig
from ..normalize import normalize
from . import versions
from .export import is_local, local_path, require_published, serving_min_users
from .snapshot import export_frame, read_version, require_users, servable, to_record

_COMMIT = re.compile(r"^(\d{20})\.json$")
_FS: dict[str, tuple] = {}  # table -> (Hadoop FileSystem, _delta_log Path) of its publication log
_LIVE: dict[str, tuple[int, versions.Publication]] = {}  # table -> (log commit, live publication)
_SNAPSHOTS: dict[tuple[str, int, int, str], dict[str, dict]] = {}  # (table, version, min_users) -> key -> record


def _log_commit(spark: SparkSession, table: str) -> int | None:
    """Latest commit number of the publication log, from its file names (Delta protocol: NNNN...N.json).

    Local logs are listed with ``os.scandir`` (~0.1 ms); other URIs through Hadoop's
    FileSystem (a few py4j calls per log file, still far below one Spark job).
    """
    log = versions.publication_log_path(table)
    if is_local(log):
        folder = os.path.join(local_path(log), "_delta_log")
        try:
            names = [e.name for e in os.scandir(folder)]
        except FileNotFoundError:
            return None
    else:
        jvm = spark.sparkContext._jvm
        if table not in _FS:
            path = jvm.org.apache.hadoop.fs.Path(log, "_delta_log")
            _FS[table] = (path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()), path)
        fs, path = _FS[table]
        try:
            names = [status.getPath().getName() for status in fs.listStatus(path)]
        except Exception:  # FileNotFoundException: nothing was ever published
            return None
    found = [int(m.group(1)) for n in names if (m := _COMMIT.match(n))]
    return max(found) if found else None


def live_publication(spark: SparkSession, table: str) -> versions.Publication:
    """The live publication, re-read only when the log got a new commit."""
    commit = _log_commit(spark, table)
    cached = _LIVE.get(table)
    if commit is not None and cached is not None and cached[0] == commit:
        return cached[1]
    live = require_published(spark, table)
    if commit is not None:
        _LIVE[table] = (commit, live)
    return live


def snapshot(spark: SparkSession, table: str, version: int, min_users: int, pii) -> dict[str, dict]:
    """Servable rows of one version as ``{query_norm: export record}``; older versions of the table are dropped."""
    key = (table, version, min_users, pii.model_dump_json())
    if key not in _SNAPSHOTS:
        df = read_version(spark, table, version)
        require_users(df, table)
        records = {r["query"]: to_record(r) for r in export_frame(servable(df, min_users, pii)).toLocalIterator()}
        for old in [k for k in _SNAPSHOTS if k[0] == table]:
            del _SNAPSHOTS[old]
        _SNAPSHOTS[key] = records
    return _SNAPSHOTS[key]


def clear_cache() -> None:
    _FS.clear()
    _LIVE.clear()
    _SNAPSHOTS.clear()


def lookup(cfg: QrwConfig, *, table: str, query: str) -> dict | None:
    """The export-format record for ``normalize(query)`` in the published version, or None."""
    from ..spark import spark_session

    spark = spark_session(cfg)
    live = live_publication(spark, table)
    records = snapshot(spark, table, live.dictionary_version, serving_min_users(live, cfg), cfg.serve.pii)
    return records.get(normalize(query))
