"""The term lexicon: a query's words the catalog does not have, mapped to the merchant's words.

A search team's first fix for the lexical gap is term-level: correct the spelling, map the
shoppers' words ("settee", "telly", "lappy") to the merchants' ("sofa", "tv", "laptop"),
keep every other word. The mapping is mined from behaviour, not written by hand, and it
generalizes to queries never seen in training because words recur where whole queries
do not: "grey settee" teaches "settee" -> "sofa" for "2 seater beige settee".

**Mining** (:func:`mine`, run by ``qrw train lexicon`` on the train split only):

* for each train query, the products its users engaged with (weighted by
  :data:`EVENT_WEIGHTS`) and their catalog documents (title + brand + category, the
  evaluation engine's fields, tokenized by ``qrw.normalize``);
* its *targets*: document words not in the query that at least ``min_target_share`` of
  the engagement weight carries ("sofa" for "grey settee");
* its *sources*: query words missing from the catalog vocabulary (no product has them,
  so no lexical engine can match them);
* a source's mapping: the targets that come with it in at least ``min_share`` of the
  train queries holding it (not counting those that already hold the target), and in at
  least ``min_queries`` of them;

* a source's targets, best first: the words shoppers type most in train queries ("laptop"
  before "ssd", "shoes" before a brand every engaged title happens to carry), then the most
  consistent, then the rarest in the catalog.

**Rewriting** (:meth:`Lexicon.rewrite`), word by word: two words the catalog writes as one
are joined ("32 gb" -> "32gb"), one it writes as two split ("flatscreen" -> "flat screen");
a catalog word stays; a mapped word becomes its first ``max_targets`` targets; another
unknown word is spell-corrected (:class:`Speller`, Elasticsearch's ``fuzziness: AUTO``) or,
when nothing is close, dropped, since a word no product has only stops an AND-like engine
from matching. Repeated words are written once. No change, no rewrite. The relevance scorer
judges the result like any other candidate (a dropped word can change the intent: "bosch
kettel" -> "bosch" before transpositions counted as one edit).

Unscored, on test queries no training input held, its rewrite alone took recall@10 (query +
rewrite merged) from 0.505 / 0.503 to 0.817 / 0.801 on the large world's two seeds against
retrieval-first's 0.786 / 0.778, at a harm rate under 1% against retrieval-first's ~40%
(small world: 0.471 -> 0.854); docs/results.md, "Session 11".
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .config import GrpoSection
from .errors import QrwError
from .manifest import MANIFEST
from .normalize import normalize

KIND = "lexicon"
FILE = "lexicon.json"


def event_weights(grpo: GrpoSection) -> dict[str, float]:
    """Engagement weight of each event kind (an order says more about intent than a click): the
    gains GRPO's conversion reward gives them (``train.grpo.gain_*``), one home for the fact."""
    return {"clicks": grpo.gain_clicks, "add_to_carts": grpo.gain_add_to_carts, "orders": grpo.gain_orders}


#: The default weights (clicks 1, carts 2, orders 3).
EVENT_WEIGHTS = event_weights(GrpoSection())


def max_edits(term: str) -> int:
    """Edits allowed for a term (Elasticsearch AUTO with the 8+ character step)."""
    if len(term) < 3:
        return 0
    return 1 if len(term) < 8 else 2


class Speller:
    """A word missing from the vocabulary -> the most frequent vocabulary word within edit distance (or None).

    The distance counts a swap of two adjacent letters as one edit ("kettel" -> "kettle"), as
    Elasticsearch's fuzzy matching does by default (``fuzzy_transpositions: true``).

    The typo-tolerant baseline (qrw.eval.baselines.TypoTolerant) and the lexicon share it.
    """

    def __init__(self, vocabulary: Mapping[str, int]):
        self.vocabulary = dict(vocabulary)
        # most frequent first, then alphabetical: the first candidate found within the distance wins
        self._terms = sorted(self.vocabulary, key=lambda t: (-self.vocabulary[t], t))
        self._cache: dict[str, str | None] = {}

    def correct(self, term: str) -> str | None:
        if term in self.vocabulary:
            return term
        if term not in self._cache:
            from rapidfuzz.distance import OSA

            limit = max_edits(term)
            best = None
            if limit:
                for cand in self._terms:
                    if abs(len(cand) - len(term)) <= limit and OSA.distance(term, cand, score_cutoff=limit) <= limit:
                        best = cand
                        break
            self._cache[term] = best
        return self._cache[term]


@dataclass(frozen=True)
class LexiconSettings:
    """How strict the mining is (``train.lexicon``)."""

    min_target_share: float = 0.6
    min_share: float = 0.6
    min_queries: int = 2
    max_targets: int = 1


@dataclass
class Lexicon:
    """The catalog vocabulary (word -> products holding it) and the mined word mappings."""

    vocabulary: dict[str, int]
    terms: dict[str, list[str]]
    settings: LexiconSettings = field(default_factory=LexiconSettings)

    def __post_init__(self) -> None:
        self._speller = Speller(self.vocabulary)

    @property
    def digest(self) -> str:
        """Short identity (names the candidate source in the dictionary rows' model_version)."""
        blob = json.dumps([sorted(self.vocabulary.items()), sorted(self.terms.items()), self.settings.max_targets])
        return hashlib.sha256(blob.encode()).hexdigest()[:12]

    def _compounds(self, words: list[str]) -> list[str]:
        """Join two words the catalog writes as one ("32 gb" -> "32gb", "ear buds" -> "earbuds") and
        split one word it writes as two ("flatscreen" -> "flat screen"), where a word is missing."""
        out: list[str] = []
        i = 0
        while i < len(words):
            w = words[i]
            nxt = words[i + 1] if i + 1 < len(words) else None
            if nxt is not None and (w not in self.vocabulary or nxt not in self.vocabulary) and w + nxt in self.vocabulary:
                out.append(w + nxt)
                i += 2
                continue
            if w not in self.vocabulary and w not in self.terms:
                splits = [(min(self.vocabulary[w[:k]], self.vocabulary[w[k:]]), w[:k], w[k:]) for k in range(2, len(w) - 1)
                          if w[:k] in self.vocabulary and w[k:] in self.vocabulary]
                if splits:
                    out.extend(max(splits)[1:])
                    i += 1
                    continue
            out.append(w)
            i += 1
        return out

    def rewrite(self, query: str) -> str | None:
        """The query in catalog words, or None when nothing changes (or nothing is left)."""
        words = normalize(query).split()
        out: list[str] = []
        for w in self._compounds(words):
            if w in self.vocabulary:
                new = [w]
            elif w in self.terms:
                new = self.terms[w][: self.settings.max_targets]
            else:
                fixed = self._speller.correct(w)
                new = [fixed] if fixed else []
            out.extend(n for n in new if n not in out)
        text = " ".join(out)
        return text if out and text != " ".join(words) else None

    def rewrites(self, queries: Sequence[str]) -> list[str | None]:
        return [self.rewrite(q) for q in queries]

    def save(self, out: str | Path, **manifest) -> dict:
        """Write ``lexicon.json`` and ``qrw_model.json`` (kind ``lexicon``; its own model_version, from
        the content, since :func:`qrw.manifest.write_manifest` derives one from weight files)."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        blob = {"settings": self.settings.__dict__, "vocabulary": self.vocabulary, "terms": self.terms}
        (out / FILE).write_text(json.dumps(blob, sort_keys=True))
        fields = {"kind": KIND, "model_version": f"{out.name}-{self.digest}", "vocabulary": len(self.vocabulary),
                  "mapped_words": len(self.terms), "settings": self.settings.__dict__, **manifest}
        (out / MANIFEST).write_text(json.dumps(fields, indent=2, default=str))
        return fields


def is_lexicon(model_dir: str | Path) -> bool:
    path = Path(model_dir).expanduser()
    try:
        return (path / FILE).exists() and json.loads((path / MANIFEST).read_text()).get("kind") == KIND
    except (OSError, ValueError):
        return False


def load(model_dir: str | Path) -> Lexicon:
    """The lexicon a ``qrw train lexicon`` directory holds; a clear error for anything else."""
    path = Path(model_dir).expanduser()
    if not is_lexicon(path):
        raise QrwError(f"{path} is not a lexicon (no {FILE} and qrw_model.json of kind {KIND!r}); make one with `qrw train lexicon`")
    blob = json.loads((path / FILE).read_text())
    return Lexicon(vocabulary=blob["vocabulary"], terms=blob["terms"], settings=LexiconSettings(**blob["settings"]))


def vocabulary_of(documents: Iterable[str]) -> dict[str, int]:
    """word -> number of documents holding it."""
    counts: Counter[str] = Counter()
    for doc in documents:
        counts.update(set(normalize(doc).split()))
    return dict(counts)


def mine(engaged: Iterable[tuple[str, Mapping[str, float]]], titles: Mapping[str, str], documents: Iterable[str],
         settings: LexiconSettings = LexiconSettings()) -> Lexicon:
    """The lexicon from (train query, {product_id: engagement weight}), product_id -> title, and the catalog's documents.

    Targets come from titles (the merchant's words for the product; a category word such as
    "electronics" would come with every laptop query); the vocabulary, which decides what a
    query's words are missing, from the documents the search engine indexes (title + brand +
    category). Products missing from ``titles`` are ignored; a query with no known product
    teaches nothing.
    """
    doc_words = {pid: set(normalize(text).split()) for pid, text in titles.items()}
    vocabulary = Counter(vocabulary_of(documents))
    with_source: Counter[str] = Counter()
    together: Counter[tuple[str, str]] = Counter()
    # a target "could have been" one where the query did not already hold it
    held: Counter[tuple[str, str]] = Counter()
    typed: Counter[str] = Counter()
    for query, weights in engaged:
        words = set(normalize(query).split())
        typed.update(words)
        known = {pid: float(w) for pid, w in weights.items() if pid in doc_words and w > 0}
        total = sum(known.values())
        if not total:
            continue
        share: Counter[str] = Counter()
        for pid, w in known.items():
            for t in doc_words[pid]:
                share[t] += w / total
        targets = [t for t, s in share.items() if s >= settings.min_target_share and t not in words]
        for source in words - vocabulary.keys():
            with_source[source] += 1
            together.update((source, t) for t in targets)
            held.update((source, t) for t in words if t != source)
    terms: dict[str, list[tuple[float, int, str]]] = {}
    for (source, target), n in together.items():
        p = n / max(1, with_source[source] - held[(source, target)])
        if n >= settings.min_queries and p >= settings.min_share:
            terms.setdefault(source, []).append((p, n, target))
    # best first: the words shoppers type most (in train queries: "laptop" before "ssd", "shoes"
    # before a brand name every engaged title happens to carry), then the most consistent, then
    # the most specific (fewest catalog documents), then alphabetical
    ranked = {s: [t for _, _, t in sorted(v, key=lambda x: (-typed[x[2]], -x[0], vocabulary[x[2]], x[2]))] for s, v in sorted(terms.items())}
    return Lexicon(vocabulary=dict(vocabulary), terms=ranked, settings=settings)


def engagement_weight(product: Mapping[str, object], weights: Mapping[str, float] = EVENT_WEIGHTS) -> float:
    """A product's engagement weight from its event counts (:func:`event_weights`)."""
    return sum(w * float(product.get(k) or 0) for k, w in weights.items())
