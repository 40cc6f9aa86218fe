"""The sample world's own product search: a deliberately plain lexical engine.

It decides what each simulated query shows, so it is what creates the lexical
gap: a product matches on the exact normalized tokens of its title, brand and
category words, nothing else (no synonyms, no stemming, no typo tolerance).

Matching is like a typical e-commerce setup: all query tokens must match
(AND); when that leaves fewer than ``k`` products, a relaxed pass fills the
page with products matching at least ``min_should_match`` of the tokens (a
"popular items matching some of your words" page). Within each pass the order
is the catalog row order, i.e. the world's hidden popularity.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from ..normalize import normalize


def product_text(title: str, brand: str | None, category: str | None) -> str:
    """The indexed text of a product: what a shopper's words must hit."""
    return " ".join(x for x in (title, brand, (category or "").replace(">", " ")) if x)


class LexicalSearch:
    """Token-overlap search over a fixed list of documents (one per catalog row)."""

    def __init__(self, docs: Sequence[str], k: int = 10, min_should_match: float = 0.75):
        self.k = k
        self.min_should_match = min_should_match
        self.n_docs = len(docs)
        postings: dict[str, list[int]] = {}
        self.doc_tokens: list[frozenset[str]] = []
        for i, doc in enumerate(docs):
            tokens = frozenset(normalize(doc).split())
            self.doc_tokens.append(tokens)
            for tok in tokens:
                postings.setdefault(tok, []).append(i)
        self._postings = {t: np.asarray(ix, dtype=np.int64) for t, ix in postings.items()}
        self._cache: dict[str, tuple[int, ...]] = {}
        self._strict_cache: dict[str, frozenset[int]] = {}

    @classmethod
    def from_catalog(cls, catalog: pd.DataFrame, **kw) -> LexicalSearch:
        """An engine over a ``catalog`` table; results are row positions of that table."""
        docs = [
            product_text(t, b, c)
            for t, b, c in zip(catalog["title"], catalog["brand"], catalog["category"], strict=True)
        ]
        return cls(docs, **kw)

    def _overlap(self, tokens: Iterable[str]) -> np.ndarray:
        counts = np.zeros(self.n_docs, dtype=np.int32)
        for tok in tokens:
            ix = self._postings.get(tok)
            if ix is not None:
                counts[ix] += 1
        return counts

    def search(self, query: str) -> tuple[int, ...]:
        """Row positions of the top-k results for a raw or normalized query (cached)."""
        hit = self._cache.get(query)
        if hit is None:
            key = normalize(query)
            hit = self._cache.get(key)
            if hit is None:
                hit = self._search(set(key.split()))
                self._cache[key] = hit
            self._cache[query] = hit
        return hit

    def _search(self, tokens: set[str]) -> tuple[int, ...]:
        if not tokens:
            return ()
        counts = self._overlap(tokens)
        need = max(1, math.ceil(self.min_should_match * len(tokens)))
        rows = np.flatnonzero(counts >= need)
        # Full matches first, then the partial ones, each in row (popularity) order.
        order = rows[np.argsort(counts[rows] < len(tokens), kind="stable")][: self.k]
        return tuple(int(i) for i in order)

    def strict(self, query: str) -> frozenset[int]:
        """Every row that contains all query tokens (the AND set, unranked, uncut)."""
        key = normalize(query)
        hit = self._strict_cache.get(key)
        if hit is None:
            tokens = set(key.split())
            if not tokens:
                hit = frozenset()
            else:
                counts = self._overlap(tokens)
                hit = frozenset(int(i) for i in np.flatnonzero(counts == len(tokens)))
            self._strict_cache[key] = hit
        return hit
