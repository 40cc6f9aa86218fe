"""``qrw history``: the publication log as a table (every publish attempt and rollback, oldest first)."""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table

from ..config import QrwConfig
from ..errors import QrwError
from . import versions


def history_rows(cfg: QrwConfig, table: str) -> list[dict]:
    """One dict per log row: seq, version, action, decision, failed gates, min_users, rows, when, runs, reason, live."""
    from ..spark import spark_session

    spark = spark_session(cfg)
    entries = versions.history(spark, table)
    if not entries:
        raise QrwError(f"{table} has no publication log ({versions.publication_log_path(table)}): nothing was ever published; run `qrw publish --table {table}`")
    live = versions.current(entries)
    out = []
    for p in entries:
        gates = json.loads(p.gates) if p.gates else {}
        out.append(
            {
                "seq": p.seq,
                "version": p.dictionary_version,
                "action": p.action,
                "decision": p.decision,
                "failed_gates": [name for name, g in gates.items() if not g.get("ok")],
                "min_users": p.min_users,
                "rows": p.rows,
                "when": p.published_at.isoformat() if p.published_at else None,
                "run_ids": p.run_ids,
                "reason": p.reason,
                "live": live is not None and p.seq == live.seq,
            }
        )
    return out


def print_history(table: str, rows: list[dict]) -> None:
    view = Table(title=f"publication log of {table}")
    for col in ("seq", "version", "action", "decision", "failed gates", "min_users", "rows", "when (UTC)", "run", "live"):
        view.add_column(col, overflow="fold")
    for r in rows:
        decision = "[green]published[/]" if r["decision"] == versions.PUBLISHED else "[red]blocked[/]"
        view.add_row(
            str(r["seq"]), str(r["version"]), r["action"], decision, ", ".join(r["failed_gates"]) or "-", str(r["min_users"]),
            "-" if r["rows"] is None else str(r["rows"]), (r["when"] or "-")[:19], ", ".join(r["run_ids"]) or "-", "*" if r["live"] else "",
        )
    Console(width=160).print(view)
