"""The lexicon's rewrite as a candidate: the nightly job's third candidate source (``rewrite.lexicon``).

The lexicon (:mod:`qrw.lexicon`, mined by ``qrw train lexicon``) rewrites a query word by
word: spelling fixed, shoppers' words mapped to the catalog's, words no product has
dropped. Words recur where whole queries do not, so it helps most on the queries the
policy never saw. Like a retrieved title it has no likelihood under the policy (it ranks
with a likelihood of 0, ``combined_score``) and the relevance scorer judges it like any
other candidate: the same threshold, calibration and gates.
"""

from __future__ import annotations

from ..config import RewriteSection
from ..engine.base import Candidate
from ..lexicon import Lexicon, load


def load_lexicon(rewrite: RewriteSection) -> Lexicon | None:
    """The configured lexicon, or None when ``rewrite.lexicon`` is unset (a clear error for a wrong directory)."""
    return load(rewrite.lexicon) if rewrite.lexicon else None


def with_lexicon(keys: list[str], generated: list, errors: list[str | None], lexicon: Lexicon | None, texts: list[str | None] | None = None) -> list:
    """Each query's candidates plus the lexicon's rewrite, when it has one (none for a query the engine failed on).

    ``texts``: the lexicon's rewrites of ``keys`` when the caller already has them."""
    if lexicon is None:
        return generated
    texts = lexicon.rewrites(keys) if texts is None else texts
    out = list(generated)
    for i, (text, err) in enumerate(zip(texts, errors)):
        text = text if err is None else None
        if text and all(c.text != text for c in (generated[i] or [])):
            out[i] = [*(generated[i] or []), Candidate(text=text, logprob=float("nan"), num_tokens=0)]
    return out


def lexicon_source_version(model_version: str, lexicon: Lexicon | None) -> str:
    """The rows' model_version, naming the lexicon when it is a candidate source (so a new lexicon redoes entries)."""
    return model_version if lexicon is None else f"{model_version}+lexicon:{lexicon.digest}"
