"""``qrw nightly``: rewrite -> gates -> publish -> export, for cron, under one lock per table.

The lock is an exclusive ``flock`` on a lock file (next to a local table,
``{table}_nightly.lock``; for other URIs under ``serve.nightly_lock_dir``), taken
without waiting: a second run for the same table exits at once with
:data:`EXIT_LOCKED`, names the lock and its holder, and writes nothing (no log,
no table, no export). The kernel drops the lock when the holder dies, even on
``kill -9``, so a crashed run never blocks the next night.

Each run that gets the lock writes one log file (``serve.nightly_log_dir``,
default ``{table}_nightly_logs/`` for a local table) holding everything the
stages printed and a final JSON summary.

Exit codes (also in README.md):

==  =====================================================================
0   ok: published (or nothing new to publish) and exported
1   failure: an unexpected error (see the log); nothing new was published
    unless the log says "published"
2   usage: bad arguments or config
3   gate blocked: the new version was not published; the previous one stays live
4   input missing: the search log or the model is not there
5   locked: another nightly run holds this table's lock
==  =====================================================================
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import socket
import sys
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

from ..config import QrwConfig
from ..errors import GateBlocked, QrwError

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_BLOCKED, EXIT_INPUT_MISSING, EXIT_LOCKED = 0, 1, 2, 3, 4, 5


class LockHeld(QrwError):
    """Another run holds the table's nightly lock."""


class InputMissing(QrwError):
    """The search log or the model is not there."""


def _is_local(path: str) -> bool:
    from .export import is_local

    return is_local(path)


def lock_path(cfg: QrwConfig, table: str) -> str:
    """``{table}_nightly.lock`` next to a local table; a per-table file under serve.nightly_lock_dir otherwise."""
    from .export import local_path

    if _is_local(table) and cfg.serve.nightly_lock_dir is None:
        return os.path.abspath(local_path(table)).rstrip("/") + "_nightly.lock"
    folder = os.path.expanduser(cfg.serve.nightly_lock_dir or "~/.cache/qrw/locks")
    name = hashlib.sha256(table.encode()).hexdigest()[:16]
    return os.path.join(folder, f"nightly-{name}.lock")


def log_dir(cfg: QrwConfig, table: str) -> str:
    from .export import local_path

    if cfg.serve.nightly_log_dir:
        return os.path.expanduser(cfg.serve.nightly_log_dir)
    if _is_local(table):
        return os.path.abspath(local_path(table)).rstrip("/") + "_nightly_logs"
    return os.path.expanduser("~/.cache/qrw/logs")


@contextlib.contextmanager
def table_lock(path: str, table: str):
    """Hold the exclusive lock on ``path`` for the block, or raise :class:`LockHeld` at once."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip() or "unknown"
            raise LockHeld(f"another qrw nightly run holds the lock {path} for {table} ({holder}); this run changed nothing: retry when it has finished") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()} since {datetime.now(timezone.utc).isoformat()}\n".encode(), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


class _Tee:
    """Writes to the original stream and to the run's log file."""

    def __init__(self, stream, log):
        self.stream, self.log = stream, log

    def write(self, text):
        self.log.write(text)
        return self.stream.write(text)

    def flush(self):
        self.log.flush()
        self.stream.flush()

    def __getattr__(self, name):
        return getattr(self.stream, name)


def _exists(cfg: QrwConfig, path: str) -> bool:
    from .export import local_path

    if _is_local(path):
        return os.path.exists(local_path(path))
    from ..spark import spark_session

    spark = spark_session(cfg)
    jvm = spark.sparkContext._jvm
    p = jvm.org.apache.hadoop.fs.Path(path)
    return bool(p.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).exists(p))


def check_inputs(cfg: QrwConfig, search_log: str, model: str) -> None:
    if not _exists(cfg, search_log):
        raise InputMissing(f"the search log {search_log} does not exist (has today's partition landed?)")
    if cfg.engine.kind not in ("fake", "instant") and not (Path(model) / "config.json").exists():
        raise InputMissing(f"the model {model} is not a model directory (no config.json)")


def _steps(cfg: QrwConfig, *, search_log: str, model: str, table: str, export_file: str | None, redis_url: str | None, fmt: str | None, summary: dict) -> None:
    from ..rewrite.job import run_rewrite
    from .export import export as export_file_fn
    from .export import export_redis
    from .publish import publish

    check_inputs(cfg, search_log, model)
    t = time.perf_counter()
    run = run_rewrite(cfg, search_log=search_log, model=model, table=table, fmt=fmt)
    summary["rewrite"] = {k: run.get(k) for k in ("run_id", "status", "counts", "dictionary_version", "engine_seconds", "model_version", "scorer_model", "scorer_model_version", "min_relevance_applied", "min_relevance_source", "golden_relevance_accuracy", "golden_relevance_auc")}
    summary["timings"]["rewrite_s"] = round(time.perf_counter() - t, 2)

    t = time.perf_counter()
    report = publish(cfg, table=table)
    summary["publish"] = {k: report.get(k) for k in ("version", "decision", "published_version", "rows", "privacy_filtered", "pii")}
    summary["timings"]["publish_s"] = round(time.perf_counter() - t, 2)

    if export_file:
        t = time.perf_counter()
        manifest = export_file_fn(cfg, table=table, out=export_file)
        summary["export"] = {"out": export_file, "rows": manifest["rows"], "dictionary_version": manifest["dictionary_version"], "sha256": manifest["sha256"]}
        summary["timings"]["export_s"] = round(time.perf_counter() - t, 2)
    if redis_url:
        t = time.perf_counter()
        summary["redis"] = _load_redis(cfg, table, redis_url)
        summary["timings"]["redis_s"] = round(time.perf_counter() - t, 2)


def _load_redis(cfg: QrwConfig, table: str, url: str) -> dict:
    """A delta when Redis serves an earlier publication of this table, else a full load."""
    from .changes import export_changes
    from .export import export_redis
    from .redis_store import Keys, connect, live_meta

    current = live_meta(connect(url, cfg.serve.redis_timeout_s), Keys(cfg.serve.redis_namespace))
    if current and current.get("table") == table and current.get("dictionary_version", "").isdigit():
        try:
            report = export_changes(cfg, table=table, since_version=int(current["dictionary_version"]), url=url)
            return {"mode": "delta", **{k: report.get(k) for k in ("from_version", "to_version", "upserts", "deletes", "rows", "generation")}}
        except QrwError as exc:
            logging.getLogger(__name__).warning("delta load not possible (%s): loading in full", exc)
    report = export_redis(cfg, table=table, url=url)
    return {"mode": "full", **{k: report.get(k) for k in ("decision", "dictionary_version", "rows", "generation")}}


def run_nightly(cfg: QrwConfig, *, search_log: str, model: str, table: str, date: str | None = None, export_file: str | None = None, redis_url: str | None = None, fmt: str | None = None) -> tuple[int, dict]:
    """Run the night under the table's lock; returns (exit code, summary). Never raises for the expected failures."""
    if date is not None:
        cfg.rewrite.date = date
    lock = lock_path(cfg, table)
    started = datetime.now(timezone.utc)
    summary: dict = {"table": table, "search_log": search_log, "model": model, "date": date, "lock": lock, "started_at": started.isoformat(), "timings": {}}
    try:
        with table_lock(lock, table):
            folder = log_dir(cfg, table)
            os.makedirs(folder, exist_ok=True)
            log_file = os.path.join(folder, f"nightly-{started.strftime('%Y%m%dT%H%M%SZ')}-{os.getpid()}.log")
            summary["log"] = log_file
            with open(log_file, "a", encoding="utf-8") as log:
                handler = logging.StreamHandler(log)
                handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
                root = logging.getLogger()
                root.addHandler(handler)
                out, err = sys.stdout, sys.stderr
                sys.stdout, sys.stderr = _Tee(out, log), _Tee(err, log)
                try:
                    log.write(f"qrw nightly {json.dumps({k: summary[k] for k in ('table', 'search_log', 'model', 'date', 'lock')})}\n")
                    code = _run_logged(cfg, search_log=search_log, model=model, table=table, export_file=export_file, redis_url=redis_url, fmt=fmt, summary=summary)
                    summary["exit_code"] = code
                    summary["finished_at"] = datetime.now(timezone.utc).isoformat()
                    log.write("summary " + json.dumps(summary, default=str) + "\n")
                finally:
                    sys.stdout, sys.stderr = out, err
                    root.removeHandler(handler)
            return code, summary
    except LockHeld as exc:
        summary.update(status="locked", error=str(exc), exit_code=EXIT_LOCKED)
        return EXIT_LOCKED, summary


def _run_logged(cfg: QrwConfig, *, summary: dict, **kwargs) -> int:
    try:
        _steps(cfg, summary=summary, **kwargs)
    except InputMissing as exc:
        summary.update(status="input missing", error=str(exc))
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT_MISSING
    except GateBlocked as exc:
        summary.update(status="gate blocked", error=str(exc))
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BLOCKED
    except QrwError as exc:
        summary.update(status="failed", error=str(exc))
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as exc:  # noqa: BLE001 - cron wants an exit code and a log, not a trace on the terminal
        summary.update(status="failed", error=f"{type(exc).__name__}: {str(exc)[:2000]}")
        sys.stderr.write(traceback.format_exc() if os.environ.get("QRW_DEBUG") else "")
        sys.stdout.flush()
        print(f"error: {type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''} (details in {summary.get('log')})", file=sys.stderr)
        summary["traceback"] = traceback.format_exc()
        return EXIT_FAILURE
    summary["status"] = "ok"
    return EXIT_OK
