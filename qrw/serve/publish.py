"""``qrw publish``: gate the latest dictionary version and, if every gate passes, make it live.

Publishing only appends a row to the publication log (``versions``); the
dictionary itself is never copied or changed, so a blocked version costs nothing
and the previously published one keeps serving.
"""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table

from ..config import QrwConfig
from ..errors import GateBlocked, QrwError
from . import versions
from .gates import GateResult, run_gates
from .snapshot import latest_version, read_version, require_users


def _fmt(x: float | None) -> str:
    return "-" if x is None else (f"{x:.4g}" if isinstance(x, float) else str(x))


def gate_table(results: dict[str, GateResult], title: str) -> Table:
    table = Table(title=title)
    for col in ("gate", "result", "metric", "threshold", "message"):
        table.add_column(col, overflow="fold")
    for name, g in results.items():
        table.add_row(name, "[green]pass[/]" if g.ok else "[red]BLOCK[/]", _fmt(g.metric), _fmt(g.threshold), g.message)
    return table


def publish(cfg: QrwConfig, *, table: str) -> dict:
    """Gate the latest version; record ``published`` or ``blocked`` (then raise :class:`GateBlocked`).

    Idempotent: when the latest version is already the published one, nothing is
    recorded. A version that was rolled back away from is refused, so a re-run
    of the cron does not undo an operator's rollback.
    """
    from ..spark import spark_session

    spark = spark_session(cfg)
    console = Console()
    version = latest_version(spark, table)
    entries = versions.history(spark, table)
    live = versions.current(entries)
    if live is not None and live.dictionary_version == version:
        console.print(f"version {version} of {table} is already published: nothing to do")
        return {"table": table, "version": version, "decision": "unchanged", "published_version": version}
    if any(p.decision == versions.PUBLISHED and p.dictionary_version == version for p in entries):
        raise QrwError(
            f"version {version} of {table} was published and then rolled back; wait for a new `qrw rewrite` run, "
            f"or make it live deliberately with `qrw rollback --table {table} --to-version {version}`"
        )

    candidate = read_version(spark, table, version)
    require_users(candidate, table)
    previous = None
    if live is not None:
        previous = read_version(spark, table, live.dictionary_version)
        require_users(previous, table)
    results, stats = run_gates(spark, cfg.serve, candidate, previous, table=table)
    blocked = [name for name, g in results.items() if not g.ok]
    decision = versions.BLOCKED if blocked else versions.PUBLISHED
    console.print(gate_table(results, f"publish gates: {table} version {version} (published: {live.dictionary_version if live else 'none'})"))

    row = versions.record(
        spark,
        table,
        entries=entries,
        dictionary_version=version,
        action="publish",
        decision=decision,
        min_users=cfg.serve.min_users,
        rows=stats.get("rows"),
        privacy_filtered=stats.get("privacy_filtered"),
        run_ids=stats.get("run_ids") or [],
        model_versions=stats.get("model_versions") or [],
        gates=json.dumps({n: g._asdict() for n, g in results.items()}),
        reason=("blocked by " + ", ".join(blocked)) if blocked else "all gates passed",
    )
    report = {
        "table": table,
        "version": version,
        "decision": decision,
        "published_version": version if not blocked else (live.dictionary_version if live else None),
        "rows": stats.get("rows"),
        "privacy_filtered": stats.get("privacy_filtered"),
        "min_users": cfg.serve.min_users,
        "pii": stats.get("pii"),
        "gates": {n: g._asdict() for n, g in results.items()},
        "log": row.to_dict(),
    }
    if blocked:
        keep = f"version {live.dictionary_version} stays published" if live else "nothing is published yet"
        raise GateBlocked(
            f"version {version} of {table} was not published ({keep}); blocked by: "
            + "; ".join(f"{n}: {results[n].message}" for n in blocked)
        )
    console.print(
        f"published version {version} of {table}: {stats['rows']} queries "
        f"({stats['privacy_filtered']} held back by the privacy filter, min_users={cfg.serve.min_users}; PII: {results['pii'].message})"
    )
    return report
