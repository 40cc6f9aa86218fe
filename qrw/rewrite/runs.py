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
import os
import socket
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta, timezone

from pyspark.sql import SparkSession
from pyspark.sql import types as T

from ..config import OPERATIONAL, EngineSection, QrwConfig, RewriteSection, marked_fields
from ..errors import QrwError
from ..io.formats import _hadoop_fs, is_delta_table
from ..tables import latest_version, runs_path


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
        #: ``host:pid`` of the driver, so the next run can tell a killed run from a live one.
        T.StructField("driver", T.StringType()),
        T.StructField("engine_load_seconds", T.DoubleType()),
        T.StructField("queries_per_s", T.DoubleType()),
        T.StructField("tokens_per_s", T.DoubleType()),
        T.StructField("peak_worker_rss_mb", T.DoubleType()),
        #: JSON: queries and expected tokens per engine slot, and the token imbalance.
        T.StructField("shard_balance", T.StringType()),
        #: Why a run was skipped or abandoned.
        T.StructField("reason", T.StringType()),
        T.StructField("table", T.StringType()),
        #: The model whose relevance task scored (qrw.rewrite.scoring), the calibration (JSON) and
        #: the threshold applied and where it came from (nullable additions: older rows have none).
        T.StructField("scorer_model", T.StringType()),
        T.StructField("scorer_model_version", T.StringType()),
        T.StructField("calibration", T.StringType()),
        T.StructField("min_relevance_applied", T.DoubleType()),
        T.StructField("min_relevance_source", T.StringType()),
        #: The golden relevance set scored by the scorer (serve.golden_relevance): accuracy, AUC, JSON details.
        T.StructField("golden_relevance_accuracy", T.DoubleType()),
        T.StructField("golden_relevance_auc", T.DoubleType()),
        T.StructField("golden_relevance", T.StringType()),
        #: The config profile the run was launched with (``profile:`` in conf/*.yaml): local, cluster, ...
        T.StructField("profile", T.StringType()),
    ]
)
#: A ``running`` row of another machine's driver older than this is taken as abandoned
#: (on this machine the driver's pid tells at once).
STALE_AFTER = timedelta(hours=24)


def input_fingerprint(spark: SparkSession, path: str) -> str:
    """Identity of the search log's current content: Delta version, or file names + sizes + mtimes."""
    version = latest_version(spark, path)
    if version is not None:
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
        "rewrite": cfg.rewrite.model_dump(exclude=set(marked_fields(RewriteSection, OPERATIONAL))),
        "engine": cfg.engine.model_dump(exclude=set(marked_fields(EngineSection, OPERATIONAL))),
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
    row["driver"] = row["driver"] or this_driver()
    row["started_at"] = _aware_utc(row["started_at"])
    row["finished_at"] = _aware_utc(row["finished_at"])
    row["recorded_at"] = utc_now()
    if row["counts"] is not None:
        row["counts"] = {k: int(v) for k, v in row["counts"].items()}
    if row["timings"] is not None:
        row["timings"] = {k: float(v) for k, v in row["timings"].items()}
    spark.createDataFrame([row], RUNS_SCHEMA).write.format("delta").mode("append").option("mergeSchema", "true").save(runs_path(table))


def this_driver() -> str:
    """``host:pid`` of this process (recorded with every run state)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def is_stale(run: dict, now: datetime) -> bool:
    """Whether a ``running`` row belongs to a driver that is gone (killed, crashed, lost its machine)."""
    host, _, pid = (run.get("driver") or "").rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        return int(pid) == os.getpid() or not _pid_alive(int(pid))
    started = _aware_utc(run.get("started_at") or run.get("recorded_at"))
    return started is None or now - started > STALE_AFTER


def claim_table(spark: SparkSession, table: str, run_id: str, now: datetime) -> list[str]:
    """Before a run starts: mark killed runs ``abandoned``; refuse while another live run holds ``table``.

    Returns the run ids marked abandoned. Raises :class:`QrwError` (saying to retry) when a
    ``running`` run's driver is still alive: two runs would race for the staging and the MERGE.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    path = runs_path(table)
    if not is_delta_table(spark, path):
        return []
    latest = F.row_number().over(Window.partitionBy("run_id").orderBy(F.col("recorded_at").desc()))
    runs = spark.read.format("delta").load(path)
    if "driver" not in runs.columns:  # a runs table from before drivers were recorded
        runs = runs.withColumn("driver", F.lit(None).cast("string"))
    running = [r.asDict(recursive=True) for r in runs.withColumn("_n", latest).where("_n = 1 AND status = 'running'").collect()]
    abandoned = []
    for run in running:
        if not is_stale(run, now):
            raise QrwError(
                f"another qrw rewrite run ({run['run_id']}, driver {run.get('driver') or 'unknown'}, started "
                f"{run.get('started_at')}) holds {table}; retry when it has finished. A run killed on another "
                f"machine counts as abandoned {int(STALE_AFTER.total_seconds() // 3600)} h after it started"
            )
        abandoned.append(run)
    for run in abandoned:
        record_run(
            spark,
            table,
            {
                **{k: run.get(k) for k in ("run_id", "model_version", "started_at", "search_log", "input_fingerprint", "window_start", "window_end", "settings", "driver")},
                "status": "abandoned",
                "finished_at": now,
                "reason": f"its driver stopped without recording an outcome (killed?); marked abandoned by {run_id}",
            },
        )
    return [run["run_id"] for run in abandoned]


def is_concurrent_commit(exc: BaseException) -> bool:
    """A Delta commit lost to another writer (ConcurrentAppendException and friends)."""
    try:
        from delta.exceptions import DeltaConcurrentModificationException

        if isinstance(exc, DeltaConcurrentModificationException):
            return True
    except ImportError:
        pass
    text = f"{type(exc).__name__}: {exc}"
    return any(name in text for name in ("ConcurrentAppendException", "ConcurrentDeleteReadException", "ConcurrentTransactionException", "MetadataChangedException", "ProtocolChangedException", "ConcurrentWriteException"))


@dataclass(frozen=True)
class RunSummary:
    """One state of a run: exactly the columns of :data:`RUNS_SCHEMA` (a test checks), so what
    ``qrw rewrite`` prints and returns is what ``{table}_runs`` stores. One constructor per status.
    """

    run_id: str
    model_version: str | None = None
    status: str = "running"
    started_at: datetime | None = None
    finished_at: datetime | None = None
    search_log: str | None = None
    input_fingerprint: str | None = None
    window_start: str | None = None
    window_end: str | None = None
    slots: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    engine_seconds: float | None = None
    devices: list[str] | None = None
    partitions: list[dict] | None = None
    dictionary_version: int | None = None
    settings: str | None = None
    error: str | None = None
    recorded_at: datetime | None = None
    driver: str | None = None
    engine_load_seconds: float | None = None
    queries_per_s: float | None = None
    tokens_per_s: float | None = None
    peak_worker_rss_mb: float | None = None
    shard_balance: dict | None = None
    reason: str | None = None
    table: str | None = None
    scorer_model: str | None = None
    scorer_model_version: str | None = None
    calibration: dict | None = None
    min_relevance_applied: float | None = None
    min_relevance_source: str | None = None
    golden_relevance_accuracy: float | None = None
    golden_relevance_auc: float | None = None
    golden_relevance: dict | None = None
    profile: str | None = None

    @classmethod
    def begin(cls, ctx, *, fingerprint: str, window: dict, settings: str, counts: dict[str, int]) -> RunSummary:
        """The ``running`` state of the run described by ``ctx`` (a :class:`qrw.rewrite.job.RunContext`)."""
        scoring = ctx.scoring.summary() if getattr(ctx, "scoring", None) is not None else {}
        return cls(
            scorer_model=scoring.get("scorer_model"),
            scorer_model_version=scoring.get("scorer_model_version"),
            calibration=scoring.get("calibration"),
            min_relevance_applied=scoring.get("min_relevance_applied"),
            min_relevance_source=scoring.get("min_relevance_source"),
            run_id=ctx.run_id,
            model_version=ctx.model_version,
            started_at=ctx.started,
            search_log=ctx.search_log,
            input_fingerprint=fingerprint,
            window_start=window["start"],
            window_end=window["end"],
            counts=dict(counts),
            timings=ctx.timings,
            settings=settings,
            driver=this_driver(),
            table=ctx.table,
            profile=ctx.cfg.profile,
        )

    def skipped(self, reason: str, *, dictionary_version: int | None) -> RunSummary:
        """Not redone: the same run already succeeded (printed, not recorded: the run's state stays succeeded)."""
        return replace(
            self,
            status="skipped",
            reason=reason,
            counts={**self.counts, "selected": 0, "staged": 0, "inserted": 0, "updated": 0},
            timings=dict(self.timings),
            engine_seconds=0.0,
            dictionary_version=dictionary_version,
        )

    def failed(self, exc: BaseException, *, slots: int | None) -> RunSummary:
        return replace(self, status="failed", finished_at=utc_now(), slots=slots, timings=dict(self.timings), error=f"{type(exc).__name__}: {str(exc)[:2000]}")

    def succeeded(self, stats: dict, merge: dict, balance: dict, *, slots: int, dictionary_version: int | None) -> RunSummary:
        """From the staging statistics (what committed attempts did) and the MERGE's metrics."""
        counts = {
            **self.counts,
            "staged": stats["staged"],
            "with_rewrites": stats["with_rewrites"],
            "engine_errors": stats["errors"],
            "gen_tokens": stats["gen_tokens"],
            "inserted": merge["inserted"],
            "updated": merge["updated"],
        }
        inference_s = self.timings.get("inference_s", 0.0)
        return replace(
            self,
            status="succeeded",
            finished_at=utc_now(),
            slots=slots,
            counts=counts,
            timings=dict(self.timings),
            engine_seconds=stats["engine_s"],
            engine_load_seconds=stats["load_s"],
            queries_per_s=round(stats["staged"] / inference_s, 2) if inference_s else None,
            tokens_per_s=round(stats["gen_tokens"] / inference_s, 1) if inference_s else None,
            peak_worker_rss_mb=stats["peak_rss_mb"],
            devices=stats["devices"],
            partitions=stats["partitions"],
            shard_balance=balance,
            dictionary_version=dictionary_version,
        )

    def as_dict(self) -> dict:
        """The summary ``run_rewrite`` returns (partitions and shard balance as Python objects)."""
        return asdict(self)

    def record(self) -> dict:
        """The row for :func:`record_run` (nested values as JSON text, as RUNS_SCHEMA stores them)."""
        row = asdict(self)
        row["partitions"] = json.dumps(self.partitions) if self.partitions is not None else None
        row["shard_balance"] = json.dumps(self.shard_balance, sort_keys=True) if self.shard_balance is not None else None
        for name in ("calibration", "golden_relevance"):
            row[name] = json.dumps(getattr(self, name), sort_keys=True, default=str) if getattr(self, name) is not None else None
        return row
