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
from ..retrieval import TitleIndex


def load_index(spark: SparkSession, rewrite: RewriteSection, fmt: str | None = None) -> TitleIndex | None:
    """The catalog's title index, or None when ``rewrite.catalog`` is unset or no candidates are asked for."""
    if not rewrite.catalog or rewrite.retrieval_candidates <= 0:
        return None
    from ..io.readers import read_catalog

    loaded = read_catalog(spark, rewrite.catalog, fmt)
    titles = [r["title"] for r in loaded.valid.select("title").distinct().collect()]
    if not titles:
        raise QrwError(
            f"{rewrite.catalog} has no valid products ({loaded.total} rows): the nightly job cannot retrieve "
            "candidate titles from it; pass another --catalog, or none (rewrite.catalog=null)"
        )
    return TitleIndex(titles)


def with_retrieved(keys: list[str], generated: list, errors: list[str | None], index: TitleIndex | None, n: int) -> list:
    """Each query's generated candidates plus its ``n`` nearest titles (none for a query the engine failed on)."""
    if index is None or n <= 0:
        return generated
    ok = [i for i, err in enumerate(errors) if err is None]
    found = index.nearest([keys[i] for i in ok], n)
    out = list(generated)
    for i, titles in zip(ok, found):
        out[i] = [*(generated[i] or []), *(Candidate(text=t, logprob=float("nan"), num_tokens=0) for t in titles)]
    return out


def candidate_source_version(model_version: str, index: TitleIndex | None, n: int) -> str:
    """The rows' model_version, naming the titles when they are a candidate source.

    So the incremental skip redoes entries when the catalog (or how many titles join) changes.
    """
    return model_version if index is None or n <= 0 else f"{model_version}+titles:{index.digest}x{n}"
