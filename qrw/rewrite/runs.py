"""Run identity and the ``rewrite_runs`` table.

Why a run id derived from inputs: rerunning last night's job (same log version,
same model, same window and settings) must be recognisable as *the same run*, so
it can change nothing. The id hashes the search log's identity (its Delta
version, or the listing of its files with sizes and mtimes), the model version,
the window and every setting that changes the output; operational knobs (slots,
batch sizes, fault injection, progress) are left out.

The runs table (``{table}_runs``, Delta) is append-only: a row each time a run
changes status (``running`` -> ``succeeded`` | ``failed``), with counts and timings;
the latest row (``recorded_at``) of a run id is its current state. Appending is one
cheap commit and keeps the history of retried runs.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

from pyspark.sql import SparkSession
from pyspark.sql import types as T

from ..config import QrwConfig
from ..io.formats import _hadoop_fs, is_delta_table

#: RewriteSection fields that do not change what a run writes.
OPERATIONAL = {
    "slots", "chunk_size", "arrow_batch_size", "gpus_per_task", "cpus_per_task",
    "fail_once_after", "fail_partition", "progress", "force", "worker_preload",
}
#: EngineSection fields that do not change what a run writes.
ENGINE_OPERATIONAL = {"cpu_kvcache_gb", "gpu_memory_utilization", "enable_prefix_caching", "hf_batch_size", "fake_fail_on", "block_size"}

RUNS_SCHEMA = T.StructType(
    [
        T.StructField("run_id", T.StringType(), False),
        T.StructField("model_version", T.StringType()),
        T.StructField("status", T.StringType()),
        T.StructField("started_at", T.TimestampType()),
        T.StructField("finished_at", T.TimestampType()),
        T.StructField("search_log", T.StringType()),
        T.StructField("input_fingerprint", T.StringType()),
        T.StructField("window_start", T.StringType()),
        T.StructField("window_end", T.StringType()),
        T.StructField("slots", T.IntegerType()),
        T.StructField("counts", T.MapType(T.StringType(), T.LongType())),
        T.StructField("timings", T.MapType(T.StringType(), T.DoubleType())),
        T.StructField("engine_seconds", T.DoubleType()),
        T.StructField("devices", T.ArrayType(T.StringType())),
        T.StructField("partitions", T.StringType()),
        T.StructField("dictionary_version", T.LongType()),
        T.StructField("settings", T.StringType()),
        T.StructField("error", T.StringType()),
        T.StructField("recorded_at", T.TimestampType()),
    ]
)


def runs_path(table: str) -> str:
    return f"{table.rstrip('/')}_runs"


def input_fingerprint(spark: SparkSession, path: str) -> str:
    """Identity of the search log's current content: Delta version, or file names + sizes + mtimes."""
    if is_delta_table(spark, path):
        from delta.tables import DeltaTable

        version = DeltaTable.forPath(spark, path).history(1).select("version").first()[0]
        return f"delta:v{version}"
    fs, hpath = _hadoop_fs(spark, path)
    status = fs.getFileStatus(hpath)
    if not status.isDirectory():
        return f"file:{status.getLen()}:{status.getModificationTime()}"
    digest = hashlib.sha256()
    files = fs.listFiles(hpath, True)
    entries = []
    while files.hasNext():
        f = files.next()
        name = f.getPath().getName()
        if name.startswith((".", "_")):
            continue
        entries.append(f"{f.getPath().toUri().getPath()}:{f.getLen()}:{f.getModificationTime()}")
    for entry in sorted(entries):
        digest.update(entry.encode())
    return f"files:{len(entries)}:{digest.hexdigest()[:16]}"


def output_settings(cfg: QrwConfig) -> dict:
    """The settings that shape the dictionary rows (hashed into the run id, stored with the run)."""
    return {
        "rewrite": {k: v for k, v in cfg.rewrite.model_dump().items() if k not in OPERATIONAL},
        "engine": {k: v for k, v in cfg.engine.model_dump().items() if k not in ENGINE_OPERATIONAL},
        "input": cfg.input.model_dump(),
    }


def make_run_id(*, search_log: str, fingerprint: str, model_version: str, window: dict, settings: dict) -> str:
    payload = json.dumps(
        {"search_log": search_log.rstrip("/"), "fingerprint": fingerprint, "model_version": model_version, "window": window, "settings": settings},
        sort_keys=True,
        default=str,
    )
    return "run-" + hashlib.sha256(payload.encode()).hexdigest()[:16]


def read_run(spark: SparkSession, table: str, run_id: str) -> dict | None:
    """The latest recorded state of ``run_id``, or None."""
    from pyspark.sql import functions as F

    path = runs_path(table)
    if not is_delta_table(spark, path):
        return None
    rows = spark.read.format("delta").load(path).where(F.col("run_id") == run_id).orderBy(F.col("recorded_at").desc()).limit(1).collect()
    return rows[0].asDict(recursive=True) if rows else None


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _aware_utc(ts: datetime | None) -> datetime | None:
    """PySpark reads a *naive* datetime in the Python process's local zone; an aware one is exact."""
    if ts is None:
        return None
    return ts.astimezone(timezone.utc) if ts.tzinfo else ts.replace(tzinfo=timezone.utc)


def record_run(spark: SparkSession, table: str, record: dict) -> None:
    """Append this run's current state (creating the table on first use)."""
    row = {f.name: record.get(f.name) for f in RUNS_SCHEMA.fields}
    row["started_at"] = _aware_utc(row["started_at"])
    row["finished_at"] = _aware_utc(row["finished_at"])
    row["recorded_at"] = utc_now()
    if row["counts"] is not None:
        row["counts"] = {k: int(v) for k, v in row["counts"].items()}
    if row["timings"] is not None:
        row["timings"] = {k: float(v) for k, v in row["timings"].items()}
    spark.createDataFrame([row], RUNS_SCHEMA).write.format("delta").mode("append").option("mergeSchema", "true").save(runs_path(table))
