"""The evaluation's search engine: BM25 with minimum-should-match (AND-like), not the reward's retriever.

GRPO's conversion reward optimises recall under ``qrw.offline_search.OfflineSearch``
(bm25s, OR semantics: any shared token retrieves). Measuring recall with that same
engine would reward rewrites for gaming it. So evaluation uses a differently
configured engine, closer to how a production lexical engine behaves:

* **minimum-should-match** ``3<75%`` (Elasticsearch syntax): a product must contain
  every distinct query term when the query has up to 3, and at least 75% of them
  (rounded down) when it has more. A term missing from the catalog cannot match, so a
  misspelled 2-word query finds nothing, which is the lexical gap rewrites close;
* BM25 parameters k1=0.9, b=0.4 (Lucene/Anserini's defaults) instead of bm25s's 1.5/0.75;
* ranking among the matching products by that BM25 score, ties by catalog order.

Documents are ``title + brand + category``, tokenized by ``qrw.normalize`` (the lookup key).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import bm25s
import numpy as np

from ..offline_search import tokens

K1, B = 0.9, 0.4
#: Up to this many distinct terms, all must match; above it, MSM_SHARE of them.
MSM_ALL_UP_TO = 3
MSM_SHARE = 0.75


def minimum_should_match(n_terms: int) -> int:
    """Matching terms a product needs, for a query of ``n_terms`` distinct terms (``3<75%``)."""
    if n_terms <= MSM_ALL_UP_TO:
        return n_terms
    return max(1, math.floor(MSM_SHARE * n_terms))


class AndSearch:
    """Top-k product ids under BM25 + minimum-should-match; an empty list when nothing matches enough."""

    name = "bm25 k1=0.9 b=0.4, minimum_should_match 3<75%"

    def __init__(self, products: Iterable[tuple[str, str]]):
        pairs = [(pid, tokens(text)) for pid, text in products]
        if not pairs:
            raise ValueError("AndSearch needs at least one product")
        self.product_ids = [pid for pid, _ in pairs]
        self._bm25 = bm25s.BM25(method="lucene", k1=K1, b=B)
        self._bm25.index([toks or ["<empty>"] for _, toks in pairs], show_progress=False)
        postings: dict[str, list[int]] = {}
        for i, (_, toks) in enumerate(pairs):
            for t in set(toks):
                postings.setdefault(t, []).append(i)
        self._postings = {t: np.asarray(ix, dtype=np.int64) for t, ix in postings.items()}

    @classmethod
    def from_catalog(cls, rows: Iterable[dict]) -> "AndSearch":
        return cls((r["product_id"], " ".join(str(r.get(c) or "") for c in ("title", "brand", "category"))) for r in rows)

    def vocabulary(self) -> dict[str, int]:
        """term -> number of products containing it (the typo-tolerant baseline's dictionary)."""
        return {t: len(ix) for t, ix in self._postings.items()}

    def search_one(self, query: str | None, k: int = 10) -> list[str]:
        terms = sorted(set(tokens(query)))
        if not terms:
            return []
        need = minimum_should_match(len(terms))
        matches = np.zeros(len(self.product_ids), dtype=np.int64)
        for t in terms:
            ix = self._postings.get(t)
            if ix is not None:
                matches[ix] += 1
        candidates = np.flatnonzero(matches >= need)
        if not len(candidates):
            return []
        known = [t for t in terms if t in self._postings]
        scores = self._bm25.get_scores(known)[candidates]
        order = np.lexsort((candidates, -scores))[:k]
        return [self.product_ids[candidates[i]] for i in order]

    def search(self, queries: Sequence[str | None], k: int = 10) -> list[list[str]]:
        cache: dict[str, list[str]] = {}
        out = []
        for q in queries:
            key = q or ""
            if key not in cache:
                cache[key] = self.search_one(key, k)
            out.append(cache[key])
        return out
