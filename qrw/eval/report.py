"""A self-contained HTML report (no JS, no external assets) of the evaluation."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pandas as pd

STYLE = "body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}.bad{color:#a00}.good{color:#070}"


def _table(rows: list[dict], columns: list[str]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = []
    for r in rows:
        cells = []
        for c in columns:
            v = r.get(c)
            cells.append(f"<td>{v:.3f}</td>" if isinstance(v, float) else f"<td>{html.escape(str(v))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def write_report(path: Path, result: dict, per_query: pd.DataFrame) -> None:
    parts = [f"<html><head><meta charset='utf-8'><title>qrw evaluation</title><style>{STYLE}</style></head><body>", "<h1>qrw evaluation</h1>"]
    d = result.get("dictionary")
    if d:
        cols = ["slice", "queries", "coverage", "recall@10_query", "recall@10_best_rewrite", "recall@10_query+rewrite", "intent_preserving", "canonical_match"]
        rows = [{"slice": "all", **d["all"]}]
        if d.get("gap_queries"):
            rows.append({"slice": "gap queries", **d["gap_queries"]})
        rows += [{"slice": f"gap: {g}", **b} for g, b in sorted(d.get("by_gap_type", {}).items())]
        parts.append("<h2>Rewrite dictionary vs ground truth</h2>" + _table(rows, cols))
        parts.append(f"<p>Relevance AUC (model relevance vs intent-preserving): <b>{d['relevance_auc']:.3f}</b> over {d['pairs']} pairs.</p>")
    if result.get("models"):
        parts.append("<h2>Models</h2><pre>" + html.escape(json.dumps(result["models"], indent=2, default=str)) + "</pre>")
    if len(per_query):
        sample = per_query[per_query["best_rewrite"].notna()].sort_values("recall_union", ascending=False)
        cols = ["query_norm", "gap_type", "best_rewrite", "canonical_query", "recall_query", "recall_union"]
        parts.append("<h2>Examples (best and worst)</h2>")
        parts.append(_table(sample.head(15)[cols].to_dict("records"), cols))
        parts.append(_table(sample.tail(15)[cols].to_dict("records"), cols))
    parts.append("</body></html>")
    path.write_text("\n".join(parts))
