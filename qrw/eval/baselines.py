"""What a search team would use instead of qrw, each producing at most one rewrite per query.

* **no rewrite**: the query alone (the floor);
* **typo-tolerant search**: every query term missing from the catalog vocabulary is
  replaced by the most frequent catalog term (products containing it; ties by the
  term) within Levenshtein distance 1, or 2 for terms of 8+ characters (terms of 1-2
  characters are left as typed), as Elasticsearch's ``fuzziness: AUTO`` does at query
  time. No term replaced: no rewrite;
* **retrieval-first**: the catalog title nearest to the query by character-trigram
  TF-IDF cosine (scikit-learn, ``char_wb`` 3-grams), normalized, as the rewrite;
* **oracle**: the intent's canonical merchant-words query from the world's hidden
  truth (the ceiling a rewrite model could reach).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..normalize import normalize


def max_edits(term: str) -> int:
    """Edits allowed for a term (Elasticsearch AUTO with the 8+ character step)."""
    if len(term) < 3:
        return 0
    return 1 if len(term) < 8 else 2


class TypoTolerant:
    """Replace out-of-vocabulary query terms by the most frequent catalog term within edit distance."""

    name = "typo-tolerant (edit distance AUTO)"

    def __init__(self, vocabulary: dict[str, int]):
        self.vocabulary = vocabulary
        # most frequent first, then alphabetical: the first candidate found within the distance wins
        self._terms = sorted(vocabulary, key=lambda t: (-vocabulary[t], t))
        self._cache: dict[str, str | None] = {}

    def correct(self, term: str) -> str | None:
        if term in self.vocabulary:
            return term
        if term not in self._cache:
            from rapidfuzz.distance import Levenshtein

            limit = max_edits(term)
            best = None
            if limit:
                for cand in self._terms:
                    if abs(len(cand) - len(term)) <= limit and Levenshtein.distance(term, cand, score_cutoff=limit) <= limit:
                        best = cand
                        break
            self._cache[term] = best
        return self._cache[term]

    def rewrite(self, query: str) -> str | None:
        terms = normalize(query).split()
        fixed = [self.correct(t) or t for t in terms]
        return " ".join(fixed) if fixed != terms else None

    def rewrites(self, queries: Sequence[str]) -> list[str | None]:
        return [self.rewrite(q) for q in queries]


class RetrievalFirst:
    """The nearest catalog title by character-trigram TF-IDF cosine, as the rewrite (qrw.retrieval's index)."""

    name = "retrieval-first (char-trigram TF-IDF nearest title)"

    def __init__(self, titles: Sequence[str]):
        from ..retrieval import TitleIndex

        self.index = TitleIndex(titles)
        self.titles = self.index.titles

    def rewrites(self, queries: Sequence[str]) -> list[str | None]:
        return [found[0] if found else None for found in self.index.nearest(list(queries), 1)]
