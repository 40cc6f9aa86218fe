"""Catalog titles as candidates: the nightly job's second candidate source (``rewrite.catalog``).

The LLM proposes rewrites from what it learned; for a query it never saw that is often
too little. The titles nearest to the query (:class:`qrw.retrieval.TitleIndex`) carry the
merchant's words, and the relevance scorer decides, per pair, which of either source the
dictionary keeps: the same threshold, the same calibration, the same gates.

A retrieved title has no likelihood under the policy, so it enters ranking with a
likelihood of 0 (``combined_score``): at equal relevance the LLM's own rewrite ranks first.
"""

from __future__ import annotations

from pyspark.sql import SparkSession

from ..config import RewriteSection
from ..engine.base import Candidate
from ..errors import QrwError
from ..grounding import Grounding
from ..retrieval import TitleIndex


def _catalog_titles(spark: SparkSession, rewrite: RewriteSection, fmt: str | None) -> list[str]:
    from ..io.readers import read_catalog

    loaded = read_catalog(spark, rewrite.catalog, fmt)
    titles = [r["title"] for r in loaded.valid.select("title").distinct().collect()]
    if not titles:
        raise QrwError(
            f"{rewrite.catalog} has no valid products ({loaded.total} rows): the nightly job cannot retrieve "
            "candidate titles from it; pass another --catalog, or none (rewrite.catalog=null)"
        )
    return titles


def load_catalog(spark: SparkSession, rewrite: RewriteSection, fmt: str | None = None) -> tuple[TitleIndex | None, Grounding | None]:
    """What the job takes from ``rewrite.catalog``: the title index (None when no titles are asked
    for) and the grounding of scores (None unless ``rewrite.grounding``); read once for both."""
    wants_titles = bool(rewrite.catalog) and rewrite.retrieval_candidates > 0
    if rewrite.grounding > 0 and not rewrite.catalog:
        raise QrwError(f"rewrite.grounding={rewrite.grounding} scores each candidate by the catalog titles it retrieves: "
                       "pass the catalog (qrw rewrite --catalog PATH), or set rewrite.grounding=0")
    if not wants_titles and rewrite.grounding <= 0:
        return None, None
    titles = _catalog_titles(spark, rewrite, fmt)
    index = TitleIndex(titles) if wants_titles else None
    grounding = Grounding(titles, rewrite.grounding, index=index) if rewrite.grounding > 0 else None
    return index, grounding


def with_retrieved(keys: list[str], generated: list, errors: list[str | None], index: TitleIndex | None, n: int, when: str = "always",
                   respelled: list[str | None] | None = None) -> list:
    """Each query's candidates plus its ``n`` nearest titles (none for a query the engine failed on).

    ``when="no_match"`` (``rewrite.retrieval_when``): only for a null-result query, one that no title
    matches (:meth:`TitleIndex.matches`) as typed nor as the lexicon spells it (``respelled``: its
    rewrite of each key, None where it has none). On the large world, titles added to every query
    cost a third of the queries a product the query alone found; added to null-result queries
    they cost almost none (docs/results.md, session 12). The LLM's candidates do not count:
    nearly every query gets one that matches some title, which says nothing about the query.
    """
    if index is None or n <= 0:
        return generated
    ok = [i for i, err in enumerate(errors) if err is None]
    if when == "no_match":
        respelled = respelled or [None] * len(keys)
        ok = [i for i in ok if not index.matches(keys[i]) and not (respelled[i] and index.matches(respelled[i]))]
    found = index.nearest([keys[i] for i in ok], n)
    out = list(generated)
    for i, titles in zip(ok, found):
        out[i] = [*(generated[i] or []), *(Candidate(text=t, logprob=float("nan"), num_tokens=0) for t in titles)]
    return out


def candidate_source_version(model_version: str, index: TitleIndex | None, n: int, when: str = "always") -> str:
    """The rows' model_version, naming the titles when they are a candidate source.

    So the incremental skip redoes entries when the catalog (or how many titles join, or when) changes.
    """
    if index is None or n <= 0:
        return model_version
    return f"{model_version}+titles:{index.digest}x{n}" + ("" if when == "always" else f"@{when}")
