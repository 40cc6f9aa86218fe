"""Dictionary metrics against ground truth (pure pandas; Spark only reads the tables).

The question each metric answers:
- coverage: how many eligible queries got at least one rewrite?
- recall@k (query / best rewrite / query+rewrite): does searching with the rewrite find the
  products the user actually wanted (the intent's products), compared with the raw query?
  "query+rewrite" interleaves both result lists, which is how the online side uses a rewrite
  (as an extra recall channel), so it must never be worse than the query alone by much.
- intent preservation: share of rewrites whose results contain an intent product.
- relevance AUC: does the model's relevance score separate intent-preserving rewrites from
  drifting ones? (0.5 = no better than chance)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..retrieval import OfflineSearch

K = 10


def recall_at_k(found: Sequence[str], relevant: set[str], k: int = K) -> float:
    if not relevant:
        return float("nan")
    return len(set(found[:k]) & relevant) / min(k, len(relevant))


def interleave(a: Sequence[str], b: Sequence[str], k: int = K) -> list[str]:
    out: list[str] = []
    for pair in zip(a, b):
        for pid in pair:
            if pid not in out:
                out.append(pid)
    for pid in list(a) + list(b):
        if pid not in out:
            out.append(pid)
    return out[:k]


def roc_auc(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """Mann-Whitney AUC; NaN when one class is missing."""
    s = np.asarray(scores, dtype=float)
    y = np.asarray(labels, dtype=bool)
    pos, neg = s[y], s[~y]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    ranks = pd.Series(np.concatenate([pos, neg])).rank().to_numpy()
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def per_query_frame(dictionary: pd.DataFrame, truth_queries: pd.DataFrame, intent_products: dict[str, set[str]], search: OfflineSearch) -> pd.DataFrame:
    """One row per dictionary query that the truth knows, with retrieval outcomes."""
    df = dictionary.merge(truth_queries, on="query_norm", how="inner")
    if df.empty:
        return df.assign(best_rewrite=[], recall_query=[], recall_rewrite=[], recall_union=[], preserving=[])
    best = [r[0]["rewrite"] if len(r) else None for r in df["rewrites"]]
    df = df.assign(best_rewrite=best)
    q_hits = search.search(df["query_norm"].tolist())
    r_hits = search.search([b or "" for b in best])
    rel = [intent_products.get(i, set()) for i in df["intent_id"]]
    df["recall_query"] = [recall_at_k(h, r) for h, r in zip(q_hits, rel)]
    df["recall_rewrite"] = [recall_at_k(h, r) if b else np.nan for h, r, b in zip(r_hits, rel, best)]
    df["recall_union"] = [recall_at_k(interleave(q, h) if b else q, r) for q, h, r, b in zip(q_hits, r_hits, rel, best)]
    df["preserving"] = [bool(set(h) & r) if b else np.nan for h, r, b in zip(r_hits, rel, best)]
    df["canonical_match"] = [bool(b) and b == c for b, c in zip(best, df["canonical_query"])]
    return df


def pair_frame(df: pd.DataFrame, intent_products: dict[str, set[str]], search: OfflineSearch) -> pd.DataFrame:
    """Every (query, rewrite) in the dictionary with its relevance and whether it keeps the intent."""
    rows = [
        (q, i, rw["rewrite"], float(rw["relevance"]))
        for q, i, rws in zip(df["query_norm"], df["intent_id"], df["rewrites"])
        for rw in rws
    ]
    pairs = pd.DataFrame(rows, columns=["query_norm", "intent_id", "rewrite", "relevance"])
    if pairs.empty:
        return pairs.assign(preserving=[])
    hits = search.search(pairs["rewrite"].tolist())
    pairs["preserving"] = [bool(set(h) & intent_products.get(i, set())) for h, i in zip(hits, pairs["intent_id"])]
    return pairs


def summarize(per_query: pd.DataFrame, pairs: pd.DataFrame) -> dict:
    def block(frame: pd.DataFrame) -> dict:
        with_rw = frame[frame["best_rewrite"].notna()]
        return {
            "queries": int(len(frame)),
            "coverage": float(len(with_rw) / len(frame)) if len(frame) else 0.0,
            "recall@10_query": float(frame["recall_query"].mean()) if len(frame) else 0.0,
            "recall@10_best_rewrite": float(with_rw["recall_rewrite"].mean()) if len(with_rw) else 0.0,
            "recall@10_query+rewrite": float(frame["recall_union"].mean()) if len(frame) else 0.0,
            "intent_preserving": float(with_rw["preserving"].astype(float).mean()) if len(with_rw) else 0.0,
            "canonical_match": float(with_rw["canonical_match"].mean()) if len(with_rw) else 0.0,
        }

    out = {"all": block(per_query)}
    if len(per_query):
        gaps = per_query[per_query["gap_type"] != "none"]
        out["gap_queries"] = block(gaps)
        out["by_gap_type"] = {g: block(f) for g, f in per_query.groupby("gap_type")}
    out["relevance_auc"] = roc_auc(pairs["relevance"], pairs["preserving"]) if len(pairs) else float("nan")
    out["pairs"] = int(len(pairs))
    return out
