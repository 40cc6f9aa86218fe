"""Evaluation metrics (pure numpy/pandas; definitions in docs/results.md, "Metrics").

Per query, a *system* (qrw's dictionary, a baseline, the oracle) supplies zero or
more rewrites. With the evaluation engine (qrw.eval.search.AndSearch, not the reward's):

- **coverage**: the query has at least one rewrite;
- **intent kept**: its best rewrite retrieves at least one product of the query's
  hidden intent. Reported over *all* queries (no rewrite counts as not kept) and over
  covered ones;
- **recall@10**: share of the relevant products (min(10, n) in the denominator) in
  the top 10 for the query alone, and for query + rewrites *merged round-robin*
  (the query's 1st result, each rewrite's 1st, the query's 2nd, ...; duplicates
  skipped; cut at 10): the rewrite as an extra recall channel beside the query.
  Relevant = the intent's products (truth), and separately the products users
  *bought* after the query (orders in the training-data export);
- **harm**: a relevant product the query alone had in its top 10 is missing from the
  merged top 10;
- on (query, rewrite, relevance score) pairs, with "the rewrite keeps the intent" as
  the label: **AUC**, the **reliability curve** (10 equal-width score bins) and
  **ECE** (bin-size-weighted mean |mean score - share kept|), and the precision of
  the rewrites at or above ``rewrite.min_relevance``;
- **tagging**: accuracy and macro-F1 of a model's argmax grade on held-out labelled pairs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

K = 10
BINS = 10


def recall_at_k(found: Sequence[str], relevant: set[str], k: int = K) -> float:
    if not relevant:
        return float("nan")
    return len(set(found[:k]) & relevant) / min(k, len(relevant))


def merge(lists: Sequence[Sequence[str]], k: int = K) -> list[str]:
    """Round-robin over the result lists (the query's first), duplicates skipped, cut at ``k``."""
    out: list[str] = []
    seen: set[str] = set()
    for rank in range(max((len(x) for x in lists), default=0)):
        for results in lists:
            if rank < len(results) and results[rank] not in seen:
                seen.add(results[rank])
                out.append(results[rank])
                if len(out) == k:
                    return out
    return out


def interleave(a: Sequence[str], b: Sequence[str], k: int = K) -> list[str]:
    return merge([a, b], k)


def harmed(query_hits: Sequence[str], merged: Sequence[str], relevant: set[str], k: int = K) -> float:
    """1.0 when a relevant product the query alone found is gone from the merged top k; NaN without relevant products."""
    if not relevant:
        return float("nan")
    return float(bool((set(query_hits[:k]) & relevant) - set(merged[:k])))


def roc_auc(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """Mann-Whitney AUC; NaN when one class is missing."""
    s = np.asarray(scores, dtype=float)
    y = np.asarray(labels, dtype=bool)
    pos, neg = s[y], s[~y]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    ranks = pd.Series(np.concatenate([pos, neg])).rank().to_numpy()
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def reliability(scores: Sequence[float], labels: Sequence[bool], bins: int = BINS) -> tuple[list[dict], float]:
    """(per-bin mean score, share positive, count) over equal-width bins of [0, 1], and the ECE."""
    s = np.clip(np.asarray(scores, dtype=float), 0.0, 1.0)
    y = np.asarray(labels, dtype=float)
    if not len(s):
        return [], float("nan")
    idx = np.minimum((s * bins).astype(int), bins - 1)
    curve, ece = [], 0.0
    for b in range(bins):
        m = idx == b
        n = int(m.sum())
        if not n:
            continue
        conf, acc = float(s[m].mean()), float(y[m].mean())
        curve.append({"bin": [b / bins, (b + 1) / bins], "n": n, "mean_score": conf, "share_kept": acc})
        ece += n / len(s) * abs(conf - acc)
    return curve, float(ece)


def macro_f1(gold: Sequence[int], predicted: Sequence[int], labels: Sequence[int]) -> float:
    """Unweighted mean of per-grade F1 (a grade never predicted nor present is left out)."""
    f1s = []
    for g in labels:
        tp = sum(p == g and t == g for p, t in zip(predicted, gold))
        fp = sum(p == g and t != g for p, t in zip(predicted, gold))
        fn = sum(p != g and t == g for p, t in zip(predicted, gold))
        if tp + fp + fn == 0:
            continue
        f1s.append(2 * tp / (2 * tp + fp + fn))
    return float(np.mean(f1s)) if f1s else float("nan")


def system_frame(queries: pd.DataFrame, rewrites: Sequence[Sequence[str]], query_hits: Sequence[Sequence[str]], search,
                 intent_products: dict[str, set[str]]) -> pd.DataFrame:
    """Per-query outcomes of one system.

    ``queries``: query_norm, intent_id, gap_type, segment, bought (set of product ids);
    ``rewrites``: the system's rewrites per query (best first, may be empty);
    ``query_hits``: the query's own top-k under ``search``.
    """
    rows = []
    flat = sorted({r for rws in rewrites for r in rws})
    hits_of = dict(zip(flat, search.search(flat))) if flat else {}
    for q, rws, q_hits in zip(queries.itertuples(index=False), rewrites, query_hits):
        intent = intent_products.get(q.intent_id, set())
        rw_hits = [hits_of[r] for r in rws]
        merged = merge([q_hits, *rw_hits]) if rws else list(q_hits[:K])
        bought = q.bought or set()
        rows.append(
            {
                "query_norm": q.query_norm,
                "gap_type": q.gap_type,
                "segment": q.segment,
                "covered": bool(rws),
                "best_rewrite": rws[0] if rws else None,
                "kept": bool(rws) and bool(set(rw_hits[0]) & intent),
                "recall_query": recall_at_k(q_hits, intent),
                "recall_merged": recall_at_k(merged, intent),
                "recall_best_rewrite": recall_at_k(rw_hits[0], intent) if rws else float("nan"),
                "harm": harmed(q_hits, merged, intent),
                "recall_bought_query": recall_at_k(q_hits, bought),
                "recall_bought_merged": recall_at_k(merged, bought),
                "harm_bought": harmed(q_hits, merged, bought),
                "canonical_match": bool(rws) and rws[0] == q.canonical_query,
            }
        )
    return pd.DataFrame(rows)


def _mean(series: pd.Series) -> float | None:
    v = series.astype(float).mean()
    return None if pd.isna(v) else float(v)


def block(frame: pd.DataFrame) -> dict:
    """Aggregates of a per-query frame (a slice of one system)."""
    n = len(frame)
    if not n:
        return {"queries": 0}
    covered = frame[frame["covered"]]
    with_bought = frame[frame["recall_bought_query"].notna()]
    return {
        "queries": n,
        "coverage": float(len(covered) / n),
        "intent_kept_all": float(frame["kept"].sum() / n),
        "intent_kept_covered": float(covered["kept"].mean()) if len(covered) else None,
        "recall@10_query": _mean(frame["recall_query"]),
        "recall@10_merged": _mean(frame["recall_merged"]),
        "recall@10_gain": _mean(frame["recall_merged"] - frame["recall_query"]),
        "recall@10_best_rewrite": _mean(covered["recall_best_rewrite"]) if len(covered) else None,
        "harm_rate": _mean(frame["harm"].dropna()),
        "queries_with_orders": int(len(with_bought)),
        "recall@10_bought_query": _mean(with_bought["recall_bought_query"]),
        "recall@10_bought_merged": _mean(with_bought["recall_bought_merged"]),
        "harm_rate_bought": _mean(with_bought["harm_bought"].dropna()),
        "canonical_match": float(covered["canonical_match"].mean()) if len(covered) else None,
    }


def summarize_system(frame: pd.DataFrame) -> dict:
    out = {"all": block(frame)}
    if len(frame):
        out["by_segment"] = {s: block(f) for s, f in frame.groupby("segment")}
        out["by_gap_type"] = {g: block(f) for g, f in frame.groupby("gap_type")}
    return out


def pair_frame(queries: pd.DataFrame, dictionary_rewrites: Sequence[Sequence[dict]], search, intent_products: dict[str, set[str]]) -> pd.DataFrame:
    """Every (query, rewrite, relevance, score) the dictionary holds for these queries, and whether it keeps the intent."""
    rows = [
        (q.query_norm, q.intent_id, rw["rewrite"], float(rw["relevance"]), float(rw.get("score") or 0.0))
        for q, rws in zip(queries.itertuples(index=False), dictionary_rewrites)
        for rw in rws
    ]
    pairs = pd.DataFrame(rows, columns=["query_norm", "intent_id", "rewrite", "relevance", "score"])
    if pairs.empty:
        return pairs.assign(kept=pd.Series(dtype=bool))
    hits = search.search(pairs["rewrite"].tolist())
    pairs["kept"] = [bool(set(h) & intent_products.get(i, set())) for h, i in zip(hits, pairs["intent_id"])]
    return pairs


def relevance_block(pairs: pd.DataFrame, threshold: float) -> dict:
    """Does the relevance score rank and mean what it says? AUC, reliability, ECE, precision at the threshold."""
    if pairs.empty:
        return {"pairs": 0}
    curve, ece = reliability(pairs["relevance"], pairs["kept"])
    above = pairs[pairs["relevance"] >= threshold]
    return {
        "pairs": int(len(pairs)),
        "share_kept": float(pairs["kept"].mean()),
        "auc": roc_auc(pairs["relevance"], pairs["kept"]),
        "ece": ece,
        "reliability": curve,
        "threshold": threshold,
        "pairs_at_threshold": int(len(above)),
        "precision_at_threshold": float(above["kept"].mean()) if len(above) else None,
    }


def tagging_block(gold: Sequence[int], predicted: Sequence[int], labels: Sequence[int] = (0, 1, 2)) -> dict:
    gold, predicted = list(gold), list(predicted)
    if not gold:
        return {"rows": 0}
    counts = pd.Series(gold).value_counts()
    return {
        "rows": len(gold),
        "accuracy": float(np.mean([g == p for g, p in zip(gold, predicted)])),
        "macro_f1": macro_f1(gold, predicted, labels),
        "majority_rate": float(counts.max() / len(gold)),
        "grade_counts": {str(g): int(counts.get(g, 0)) for g in labels},
        "predicted_counts": {str(g): int(sum(p == g for p in predicted)) for g in labels},
    }
