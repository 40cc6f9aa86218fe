"""The offline search engine: BM25 (bm25s) over catalog product texts, built once.

It stands in for the production search engine wherever qrw needs "what would this
query retrieve?": the GRPO conversion reward (does the rewrite retrieve what users
bought?) and offline evaluation (does the rewrite retrieve the intent's products?).
Tokens are ``normalize(text).split()``, the same key space as the lookup.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import bm25s

from .normalize import normalize


def tokens(text: str | None) -> list[str]:
    return normalize(text).split()


class OfflineSearch:
    """Top-k product ids for a query; products with zero BM25 score are never returned."""

    def __init__(self, products: Iterable[tuple[str, str]]):
        pairs = [(pid, tokens(text)) for pid, text in products]
        if not pairs:
            raise ValueError("OfflineSearch needs at least one product")
        self.product_ids = [pid for pid, _ in pairs]
        self._bm25 = bm25s.BM25()
        self._bm25.index([toks or ["<empty>"] for _, toks in pairs], show_progress=False)

    @classmethod
    def from_catalog(cls, rows: Iterable[dict]) -> "OfflineSearch":
        """Rows with product_id, title and optional brand/category (the catalog contract)."""
        return cls((r["product_id"], " ".join(str(r.get(c) or "") for c in ("title", "brand", "category"))) for r in rows)

    def search(self, queries: Sequence[str], k: int = 10) -> list[list[str]]:
        k = min(k, len(self.product_ids))
        out: list[list[str]] = [[] for _ in queries]
        batch = [(i, tokens(q)) for i, q in enumerate(queries)]
        batch = [(i, t) for i, t in batch if t]
        if not batch:
            return out
        docs, scores = self._bm25.retrieve([t for _, t in batch], k=k, show_progress=False, n_threads=1)
        for (i, _), row_docs, row_scores in zip(batch, docs, scores):
            out[i] = [self.product_ids[d] for d, s in zip(row_docs, row_scores) if s > 0]
        return out
