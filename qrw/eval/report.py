"""A self-contained HTML report: tables and matplotlib plots embedded as base64 PNG (no JS, no external assets).

What a search team opens after a nightly run: the systems side by side on the test
split (and, labelled, the in-sample train slice), recall gain by segment and by gap
type, the relevance-score histogram for rewrites that kept vs lost the intent (with
the publish threshold), the reliability curve, the best and worst rewrites with
their scores, tagging quality, the leakage audit, and the run's counts and timings.
"""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path

import pandas as pd

STYLE = (
    "body{font-family:sans-serif;margin:2em;max-width:1200px;color:#222}"
    "table{border-collapse:collapse;margin:0.8em 0}td,th{border:1px solid #ccc;padding:3px 7px;text-align:right;font-size:13px}"
    "td:first-child,th:first-child{text-align:left}h2{margin-top:1.6em}.note{color:#555;font-size:13px}"
    "img{max-width:100%;border:1px solid #eee;margin:0.5em 0}"
)
SYSTEM_LABELS = {
    "qrw": "qrw dictionary",
    "no_rewrite": "no rewrite",
    "typo_tolerant": "typo-tolerant",
    "retrieval_first": "retrieval-first",
    "oracle": "oracle",
}
COLUMNS = ["queries", "coverage", "intent_kept_all", "intent_kept_covered", "recall@10_query", "recall@10_merged", "recall@10_gain",
           "harm_rate", "queries_with_orders", "recall@10_bought_query", "recall@10_bought_merged", "harm_rate_bought"]


def _cell(v) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "<td>-</td>"
    if isinstance(v, float):
        return f"<td>{v:.3f}</td>"
    return f"<td>{html.escape(str(v))}</td>"


def _table(rows: list[dict], columns: list[str]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(_cell(r.get(c)) for c in columns) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f"<img alt='plot' src='data:image/png;base64,{data}'>"


def _gain_plot(block: dict, key: str, title: str) -> str | None:
    import matplotlib.pyplot as plt
    import numpy as np

    systems = [s for s in SYSTEM_LABELS if s != "no_rewrite" and s in block]
    groups = sorted({g for s in systems for g in block[s].get(key, {})})
    if not groups:
        return None
    groups = ["all", *groups]
    fig, ax = plt.subplots(figsize=(max(6, 1.3 * len(groups) + 2), 3.6))
    width = 0.8 / len(systems)
    x = np.arange(len(groups))
    for i, s in enumerate(systems):
        vals = []
        for g in groups:
            b = block[s]["all"] if g == "all" else block[s].get(key, {}).get(g, {})
            vals.append(b.get("recall@10_gain") or 0.0)
        ax.bar(x + i * width - 0.4 + width / 2, vals, width, label=SYSTEM_LABELS[s])
    ax.set_xticks(x, [f"{g}\n(n={block['qrw']['all']['queries'] if g == 'all' else block['qrw'].get(key, {}).get(g, {}).get('queries', 0)})" for g in groups], fontsize=8)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_ylabel("recall@10 gain (merged - query)")
    ax.set_title(title)
    ax.legend(fontsize=8, ncol=2)
    return _png(fig)


def _histogram(pairs: pd.DataFrame, threshold: float) -> str | None:
    import matplotlib.pyplot as plt

    if pairs.empty:
        return None
    fig, ax = plt.subplots(figsize=(6, 3.4))
    bins = [i / 20 for i in range(21)]
    ax.hist(pairs.loc[pairs["kept"], "relevance"], bins=bins, alpha=0.65, label=f"kept the intent ({int(pairs['kept'].sum())})", color="#2a7")
    ax.hist(pairs.loc[~pairs["kept"], "relevance"], bins=bins, alpha=0.65, label=f"lost the intent ({int((~pairs['kept']).sum())})", color="#c33")
    ax.axvline(threshold, color="black", ls="--", lw=1, label=f"rewrite.min_relevance {threshold}")
    ax.set_xlabel("relevance score in the dictionary")
    ax.set_ylabel("rewrites")
    ax.set_title("Relevance score: rewrites that kept vs lost the intent")
    ax.legend(fontsize=8)
    return _png(fig)


def _reliability_plot(curve: list[dict], ece: float | None) -> str | None:
    import matplotlib.pyplot as plt

    if not curve:
        return None
    fig, ax = plt.subplots(figsize=(4.6, 4.2))
    xs = [c["mean_score"] for c in curve]
    ys = [c["share_kept"] for c in curve]
    ax.plot([0, 1], [0, 1], color="#999", ls="--", lw=1, label="perfect calibration")
    ax.plot(xs, ys, marker="o", color="#247", label=f"dictionary (ECE {ece:.3f})" if ece is not None else "dictionary")
    for x, y, c in zip(xs, ys, curve):
        ax.annotate(str(c["n"]), (x, y), fontsize=7, textcoords="offset points", xytext=(3, 3))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("mean relevance score (bin)")
    ax.set_ylabel("share of rewrites that kept the intent")
    ax.set_title("Reliability curve")
    ax.legend(fontsize=8, loc="upper left")
    return _png(fig)


def _systems_table(block: dict) -> str:
    rows = [{"system": SYSTEM_LABELS[s], **block[s]["all"]} for s in SYSTEM_LABELS if s in block]
    return _table(rows, ["system", *COLUMNS])


def _examples(frames: dict[str, pd.DataFrame], pairs: pd.DataFrame, n: int = 12) -> str:
    qrw = frames.get("qrw")
    if qrw is None or qrw.empty or pairs.empty:
        return "<p class='note'>No rewrites on this split.</p>"
    top = pairs.sort_values(["query_norm", "score"], ascending=[True, False]).drop_duplicates("query_norm")
    df = top.merge(qrw[["query_norm", "gap_type", "segment", "recall_query", "recall_merged", "harm"]], on="query_norm")
    df["gain"] = df["recall_merged"] - df["recall_query"]
    cols = ["query_norm", "rewrite", "relevance", "score", "kept", "gap_type", "segment", "recall_query", "recall_merged", "gain"]
    best = df.sort_values(["gain", "relevance"], ascending=[False, False]).head(n)
    worst = df[~df["kept"]].sort_values("relevance", ascending=False).head(n)
    return (
        "<h3>Best: largest recall gain (then highest relevance)</h3>" + _table(best[cols].to_dict("records"), cols)
        + "<h3>Worst: rewrites that lost the intent, most confident first</h3>" + _table(worst[cols].to_dict("records"), cols)
    )


def write_report(path: Path, result: dict, frames: dict[str, pd.DataFrame], pairs: pd.DataFrame) -> None:
    import matplotlib

    matplotlib.use("Agg")
    split = result.get("split", "test")
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>qrw evaluation</title><style>{STYLE}</style></head><body>",
        "<h1>qrw evaluation</h1>",
        f"<p class='note'>Split <b>{html.escape(split)}</b> (queries no model trained on; the train slice below is in-sample). "
        f"Engine: {html.escape(str(result.get('engine')))} (not the GRPO reward's retriever). "
        f"Query + rewrites are merged round-robin, the query's results first. Definitions: docs/results.md.</p>",
    ]
    block = result.get(split)
    if block:
        parts.append(f"<h2>Systems on the {html.escape(split)} split ({block['queries']} dictionary queries)</h2>" + _systems_table(block))
        for key, title in (("by_segment", "Recall gain by segment (head / tail by searches)"), ("by_gap_type", "Recall gain by gap type")):
            img = _gain_plot(block, key, title)
            if img:
                parts.append(f"<h2>{html.escape(title)}</h2>{img}")
        rel = block.get("relevance", {})
        parts.append("<h2>Relevance score</h2>")
        if rel.get("pairs"):
            parts.append(
                f"<p>AUC <b>{_num(rel.get('auc'))}</b>, ECE <b>{_num(rel.get('ece'))}</b>, precision of rewrites with relevance "
                f"&ge; {rel['threshold']}: <b>{_num(rel.get('precision_at_threshold'))}</b> ({rel['pairs_at_threshold']} of {rel['pairs']} pairs; "
                f"{_num(rel.get('share_kept'))} of all pairs keep the intent).</p>"
            )
            for img in (_histogram(pairs, rel["threshold"]), _reliability_plot(rel.get("reliability", []), rel.get("ece"))):
                if img:
                    parts.append(img)
        else:
            parts.append("<p class='note'>No (query, rewrite) pairs on this split.</p>")
        parts.append("<h2>Best and worst rewrites</h2>" + _examples(frames, pairs))
    ins = result.get("train_in_sample")
    if ins:
        parts.append(f"<h2>Train split, in-sample ({ins['queries']} queries)</h2><p class='note'>{html.escape(ins['note'])}: not a measure of generalization.</p>")
        parts.append(_systems_table(ins))
    if result.get("tagging"):
        rows = [{"model": m, **{k: v for k, v in t.items() if not isinstance(v, dict)}} for m, t in result["tagging"].items()]
        parts.append(f"<h2>Relevance tagging on the {html.escape(split)} split</h2>" + _table(rows, ["model", "rows", "accuracy", "macro_f1", "majority_rate"]))
    leak = result.get("leakage")
    if leak:
        parts.append(
            f"<h2>Leakage audit</h2><p>{leak.get('leaked_queries')} of {leak.get('held_out_queries')} held-out (dev + test) queries found in "
            f"the training artifacts ({', '.join(f'{k}: {v}' for k, v in leak.get('fields_checked', {}).items())} fields checked).</p>"
        )
    parts.append("<h2>Run: counts and timings</h2>")
    counts = {"dictionary rows": result.get("dictionary_rows"), **{f"{k} queries": v for k, v in (result.get("split_queries") or {}).items()}}
    ds = result.get("data_summary") or {}
    if ds.get("queries"):
        counts.update({f"log {k} queries": v for k, v in ds["queries"].items()})
    if ds.get("events"):
        counts["events"] = ds["events"].get("valid")
    counts["rewrite pairs kept"] = ds.get("pairs_kept")
    parts.append(_table([{"what": k, "count": v} for k, v in counts.items()], ["what", "count"]))
    timings = result.get("timings") or {}
    if timings:
        parts.append(_table([{"stage": k, "seconds": v} for k, v in timings.items()], ["stage", "seconds"]))
    if result.get("models"):
        parts.append("<h3>Models (their manifests; held-out numbers there are on dev)</h3><pre>" + html.escape(json.dumps(result["models"], indent=2, default=str)) + "</pre>")
    parts.append("</body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")


def _num(v) -> str:
    return "-" if v is None or (isinstance(v, float) and pd.isna(v)) else f"{v:.3f}"
