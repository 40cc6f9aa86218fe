"""What a search team would use instead of qrw, each producing at most one rewrite per query.

* **no rewrite**: the query alone (the floor);
* **typo-tolerant search**: every query term missing from the catalog vocabulary is
  replaced by the most frequent catalog term (products containing it; ties by the
  term) within edit distance 1, or 2 for terms of 8+ characters (terms of 1-2
  characters are left as typed; a swap of adjacent letters is one edit), as
  Elasticsearch's ``fuzziness: AUTO`` with its default ``fuzzy_transpositions`` does at
  query time. No term replaced: no rewrite;
* **retrieval-first**: the catalog title nearest to the query by character-trigram
  TF-IDF cosine (scikit-learn, ``char_wb`` 3-grams), normalized, as the rewrite;
* **oracle**: the intent's canonical merchant-words query from the world's hidden
  truth (the ceiling a rewrite model could reach).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..lexicon import Speller, max_edits  # noqa: F401  (max_edits: re-exported)
from ..normalize import normalize


class TypoTolerant:
    """Replace out-of-vocabulary query terms by the most frequent catalog term within edit distance.

    The correction itself is :class:`qrw.lexicon.Speller`, which the lexicon's rewrites use too.
    """

    name = "typo-tolerant (edit distance AUTO)"

    def __init__(self, vocabulary: dict[str, int]):
        self.vocabulary = vocabulary
        self._speller = Speller(vocabulary)

    def correct(self, term: str) -> str | None:
        return self._speller.correct(term)

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
