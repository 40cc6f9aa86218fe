"""The catalog titles nearest to a query, by character-trigram TF-IDF cosine.

One index, two users, so they cannot drift apart:

* ``qrw evaluate``'s retrieval-first baseline (:class:`qrw.eval.baselines.RetrievalFirst`)
  takes the single nearest title as its rewrite;
* the nightly job (``rewrite.catalog`` / ``qrw rewrite --catalog``) adds the
  ``rewrite.retrieval_candidates`` nearest titles to the LLM's candidates, and the
  relevance scorer keeps only those it trusts. For a query the model never saw this is
  what supplies the merchant's words (issue #11: "candidates from retrieval").

Character trigrams (scikit-learn ``char_wb``) match through misspellings, missing
spaces and word order, which is what a tail query needs. Titles are normalized and
deduplicated first, so the candidates have the dictionary's own form.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from .normalize import normalize

#: Queries transformed per sparse product: bounds memory at (block x titles) similarities.
_BLOCK = 256
#: From this many distinct words on, a title matches a text holding all of them but one
#: (lexical engines relax long queries to a minimum-should-match; qrw does not copy any one).
RELAX_FROM_WORDS = 4


def normalized_titles(titles: Sequence[str | None]) -> list[str]:
    """The distinct non-empty normalized titles, sorted; a clear error when none is left."""
    out = sorted({n for n in (normalize(t) for t in titles if t) if n})
    if not out:
        raise ValueError("no catalog title survived normalize(): an index needs at least one")
    return out


def titles_digest(titles: Sequence[str]) -> str:
    """Short identity of normalized titles (names a catalog in rows' model_version)."""
    return hashlib.sha256("\n".join(titles).encode()).hexdigest()[:12]


def postings_of(titles: Sequence[str]) -> dict[str, np.ndarray]:
    """word -> indices of the (normalized) titles holding it."""
    postings: dict[str, list[int]] = {}
    for i, title in enumerate(titles):
        for word in set(title.split()):
            postings.setdefault(word, []).append(i)
    return {w: np.asarray(ix, dtype=np.int64) for w, ix in postings.items()}


def matching(postings: dict[str, np.ndarray], text: str, n_titles: int) -> np.ndarray:
    """Indices of the titles holding the text's words: all of them, or all but one from
    :data:`RELAX_FROM_WORDS` distinct words on (empty for a text without words)."""
    words = set(normalize(text).split())
    if not words:
        return np.zeros(0, dtype=np.int64)
    need = len(words) - 1 if len(words) >= RELAX_FROM_WORDS else len(words)
    found = [postings[w] for w in words if w in postings]
    if len(found) < need or not found:
        return np.zeros(0, dtype=np.int64)
    counts = np.bincount(np.concatenate(found), minlength=n_titles)
    return np.flatnonzero(counts >= need)


class TitleIndex:
    """Normalized, distinct catalog titles and their trigram TF-IDF vectors (picklable)."""

    def __init__(self, titles: Sequence[str]):
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.titles = normalized_titles(titles)
        self._vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 3))
        self._matrix = self._vec.fit_transform(self.titles).T.tocsr()
        #: word -> indices of the titles holding it (:func:`matching`; qrw.grounding reuses it)
        self.postings = postings_of(self.titles)

    def matches(self, text: str) -> bool:
        """Does some title hold the text's words (all, or all but one from RELAX_FROM_WORDS words on)?

        The nightly job's null-result check (``rewrite.retrieval_when=no_match``): a text no title
        matches finds (next to) nothing in a lexical engine, so a title added for it cannot push
        the query's own results out.
        """
        return bool(len(matching(self.postings, text, len(self.titles))))

    @property
    def digest(self) -> str:
        """Short identity of the titles (names the candidate source in the rows' model_version)."""
        return titles_digest(self.titles)

    def nearest(self, queries: Sequence[str], n: int) -> list[list[str]]:
        """Per query, up to ``n`` titles by descending cosine (ties: alphabetical); none share a trigram: []."""
        out: list[list[str]] = []
        if n <= 0:
            return [[] for _ in queries]
        for start in range(0, len(queries), _BLOCK):
            block = [normalize(q) for q in queries[start : start + _BLOCK]]
            sims = (self._vec.transform(block) @ self._matrix).tocsr()
            for i in range(sims.shape[0]):
                lo, hi = sims.indptr[i], sims.indptr[i + 1]
                data, idx = sims.data[lo:hi], sims.indices[lo:hi]
                keep = data > 0
                data, idx = data[keep], idx[keep]
                # titles are sorted, so the index breaks ties alphabetically
                order = np.lexsort((idx, -data))[:n]
                out.append([self.titles[j] for j in idx[order]])
        return out
