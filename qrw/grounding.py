"""Judge a rewrite by what it retrieves (``rewrite.grounding``), not by its text alone.

Why: the relevance scorer sees two strings. A rewrite that maps a shopper's word to the
merchant's ("settee" -> "sofa") or drops a word no product carries looks, as text, like
intent drift, and one that keeps the query's words but retrieves another product type
looks safe. What decides whether the user is helped is what the rewrite brings back.
So the grounded score of (query, rewrite) is the scorer's score of (query, title) for
the best of the ``k`` catalog titles the rewrite retrieves, 0 when it retrieves none.
The relevance model was taught (query, title) pairs for exactly this (``human_title``
examples, qrw.data.labels). On the large world's test split it separates kept from
drifting candidates with an AUC of 0.89 / 0.90 (two seeds) against 0.83 for the pair's own
text (docs/results.md, session 12).

What a rewrite retrieves: the catalog titles that hold its words (all of them, or all but one
from 4 words on: :func:`qrw.retrieval.matching`, the rule of the null-result check), ranked
by BM25 (bm25s) over the titles. A lexical engine is conjunctive; an OR retriever would
ground "breville laptop" in a Breville espresso machine (the rare brand word ranks first)
and pass a drifted rewrite for "breville espresso maker" (the sample world's golden set caught
that). The rule is qrw's own, not the evaluation's engine (qrw.eval.search: BM25 with
minimum-should-match 3<75% over title, brand and category), so the score is not fitted to its
judge.

Calibration follows the score's meaning: with ``rewrite.grounding`` set, ``qrw train
calibrate`` fits on the dev pairs whose rewrite is a catalog title (the pairs a grounded
score takes the best of: "is this product what was asked for"), so the threshold reads
"publish a rewrite that retrieves a product the scorer is that sure of"
(:func:`qrw.train.calibrate.title_pairs` says why not on the other pairs). The
calibration's model version records the grounding (:func:`scoring_version`), so a
calibration fitted without it is refused by a grounded run, and back.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .normalize import normalize
from .retrieval import TitleIndex, matching, normalized_titles, postings_of, titles_digest


_GROUNDED = "+grounded"


def scoring_version(model_version: str, k: int) -> str:
    """The identity of what the scorer's numbers mean: the model, and how many titles ground each pair."""
    return model_version if k <= 0 else f"{model_version}{_GROUNDED}{k}"


def parse_scoring_version(version: str) -> tuple[str, int]:
    """(model version, grounding k) of a :func:`scoring_version` string (k 0: not grounded)."""
    base, _, k = version.partition(_GROUNDED)
    return base, int(k) if k.isdigit() else 0


class Grounding:
    """The catalog's normalized titles, searchable by a rewrite (picklable: it travels to executors)."""

    def __init__(self, titles: Sequence[str], k: int, index: TitleIndex | None = None):
        """``index``: the job's title index of the same catalog, whose normalized titles and postings
        are reused instead of built again."""
        if k <= 0:
            raise ValueError("grounding needs k >= 1 titles per rewrite")
        self.k = int(k)
        if index is not None:
            self.titles, self._postings = index.titles, index.postings
        else:
            self.titles = normalized_titles(titles)
            self._postings = postings_of(self.titles)
        import bm25s

        self._bm25 = bm25s.BM25()
        self._bm25.index([t.split() for t in self.titles], show_progress=False)

    @property
    def digest(self) -> str:
        """Short identity of the titles (the same as :attr:`TitleIndex.digest` of the same catalog)."""
        return titles_digest(self.titles)

    def retrieved(self, rewrites: Sequence[str]) -> list[list[str]]:
        """Per rewrite, the top ``k`` titles that hold its words, by BM25 (none when no title does)."""
        out: list[list[str]] = []
        for rewrite in rewrites:
            hits = matching(self._postings, rewrite, len(self.titles))
            if not len(hits):
                out.append([])
                continue
            words = [w for w in set(normalize(rewrite).split()) if w in self._postings]
            scores = np.asarray(self._bm25.get_scores(words))[hits]
            order = np.lexsort((hits, -scores))[: self.k]  # ties: alphabetical (titles are sorted)
            out.append([self.titles[hits[i]] for i in order])
        return out


class GroundedScorer:
    """A scorer whose ``score(pairs)`` is the best (query, retrieved title) score of each pair.

    Everything else (``model_version``, stats, ``close``) is the wrapped scorer's, so the job's
    counters and logs do not change shape.
    """

    def __init__(self, scorer, grounding: Grounding):
        self.scorer = scorer
        self.grounding = grounding

    def score(self, pairs: list[tuple[str, str]]) -> list[float | None]:
        found = self.grounding.retrieved([rewrite for _, rewrite in pairs])
        flat = [(query, title) for (query, _), titles in zip(pairs, found) for title in titles]
        raw = list(self.scorer.score(flat)) if flat else []
        out: list[float | None] = []
        pos = 0
        for titles in found:
            mine = [s for s in raw[pos : pos + len(titles)] if s is not None]
            pos += len(titles)
            # nothing retrieved: the rewrite cannot help; every title's score failed: unknown (dropped)
            out.append(0.0 if not titles else (max(mine) if mine else None))
        return out

    def __getattr__(self, name: str):
        if name in ("scorer", "grounding"):  # not set yet (e.g. while copying): no recursion
            raise AttributeError(name)
        return getattr(self.scorer, name)
