"""The publication log ``{table}_published``: which dictionary version is live, and why.

One row per attempt (``publish`` passed or blocked, ``rollback``), never updated,
so the log is also the audit trail. "The published version" is the dictionary
version of the latest ``published`` row; rows are ordered by ``seq`` (timestamps
can tie). Assumes one publisher at a time (the nightly cron); two concurrent
appends would both land, with the same ``seq``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timezone

from pyspark.sql import SparkSession
from pyspark.sql.types import (
    ArrayType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from ..config import QrwConfig
from ..errors import QrwError
from ..io.formats import is_delta_table
from ..tables import published_path
from .snapshot import read_version

PUBLISHED, BLOCKED = "published", "blocked"

LOG_SCHEMA = StructType(
    [
        StructField("seq", LongType(), False),
        StructField("dictionary_version", LongType(), False),
        StructField("action", StringType(), False),  # publish | rollback
        StructField("decision", StringType(), False),  # published | blocked
        StructField("min_users", IntegerType(), False),
        StructField("rows", LongType(), True),  # publishable rows (after the privacy filter)
        StructField("privacy_filtered", LongType(), True),
        StructField("run_ids", ArrayType(StringType()), True),
        StructField("model_versions", ArrayType(StringType()), True),
        StructField("gates", StringType(), True),  # JSON: {name: {ok, metric, threshold, message}}
        StructField("reason", StringType(), True),
        StructField("published_at", TimestampType(), False),
    ]
)


@dataclass(frozen=True)
class Publication:
    seq: int
    dictionary_version: int
    action: str
    decision: str
    min_users: int
    rows: int | None
    privacy_filtered: int | None
    run_ids: list[str]
    model_versions: list[str]
    gates: str | None
    reason: str | None
    published_at: datetime

    def to_dict(self) -> dict:
        out = asdict(self)
        out["gates"] = json.loads(self.gates) if self.gates else None
        out["published_at"] = self.published_at.isoformat() if self.published_at else None
        return out


def publication_log_path(table: str) -> str:
    return published_path(table)


def history(spark: SparkSession, table: str) -> list[Publication]:
    """Every attempt, oldest first; empty when nothing was ever published."""
    path = publication_log_path(table)
    if not is_delta_table(spark, path):
        return []
    rows = spark.read.format("delta").load(path).orderBy("seq", "published_at").collect()
    return [
        Publication(**{f: r[f] for f in LOG_SCHEMA.fieldNames()} | {"run_ids": list(r["run_ids"] or []), "model_versions": list(r["model_versions"] or [])})
        for r in rows
    ]


def current(entries: list[Publication]) -> Publication | None:
    """The live publication: the latest ``published`` row."""
    live = [p for p in entries if p.decision == PUBLISHED]
    return live[-1] if live else None


def published(spark: SparkSession, table: str) -> Publication | None:
    return current(history(spark, table))


def live_stack(entries: list[Publication]) -> list[int]:
    """Published versions still "behind" the live one, oldest first, so rollback walks back, not in circles.

    A publish pushes its version; a rollback to v pops down to v (or pushes v when
    it was popped earlier, i.e. a deliberate roll forward).
    """
    stack: list[int] = []
    for p in entries:
        if p.decision != PUBLISHED:
            continue
        v = p.dictionary_version
        if p.action == "rollback" and v in stack:
            while stack[-1] != v:
                stack.pop()
        elif not stack or stack[-1] != v:
            stack.append(v)
    return stack


def record(spark: SparkSession, table: str, *, entries: list[Publication] | None = None, **fields) -> Publication:
    """Append one attempt to the log (created on first use)."""
    entries = history(spark, table) if entries is None else entries
    row = Publication(
        seq=(entries[-1].seq + 1) if entries else 1,
        published_at=datetime.now(timezone.utc),
        **{
            "rows": None,
            "privacy_filtered": None,
            "run_ids": [],
            "model_versions": [],
            "gates": None,
            "reason": None,
            **fields,
        },
    )
    values = [getattr(row, f) for f in LOG_SCHEMA.fieldNames()]
    spark.createDataFrame([values], LOG_SCHEMA).write.format("delta").mode("append").save(publication_log_path(table))
    return row


def rollback(cfg: QrwConfig, table: str, to_version: int | None = None) -> dict:
    """Re-point publication to the previous published version (or ``to_version``, which must have been published).

    Nothing is deleted: a new ``rollback`` row makes the older version live again,
    with the privacy threshold and gate results it was published with.
    """
    from ..spark import spark_session

    spark = spark_session(cfg)
    entries = history(spark, table)
    live = current(entries)
    if live is None:
        raise QrwError(f"nothing has been published for {table} yet, so there is nothing to roll back: run `qrw publish` first")
    stack = live_stack(entries)
    if to_version is None:
        if len(stack) < 2:
            raise QrwError(f"version {live.dictionary_version} is the only published version of {table}: nothing older to roll back to")
        target = stack[-2]
    else:
        target = int(to_version)
        if target == live.dictionary_version:
            raise QrwError(f"version {target} is already the published version of {table}")
    originals = [p for p in entries if p.decision == PUBLISHED and p.dictionary_version == target]
    if not originals:
        ever = sorted({p.dictionary_version for p in entries if p.decision == PUBLISHED})
        raise QrwError(
            f"version {target} of {table} was never published (published versions: {ever}); "
            "only a version that passed the gates can be made live again"
        )
    read_version(spark, table, target)  # still readable (not vacuumed)?
    origin = originals[-1]
    row = record(
        spark,
        table,
        entries=entries,
        dictionary_version=target,
        action="rollback",
        decision=PUBLISHED,
        min_users=max(origin.min_users, cfg.serve.min_users),
        rows=origin.rows if origin.min_users >= cfg.serve.min_users else None,
        privacy_filtered=origin.privacy_filtered if origin.min_users >= cfg.serve.min_users else None,
        run_ids=origin.run_ids,
        model_versions=origin.model_versions,
        gates=origin.gates,
        reason=f"rollback from version {live.dictionary_version} to version {target}",
    )
    return {"table": table, "from_version": live.dictionary_version, "published_version": target, "log": row.to_dict()}
