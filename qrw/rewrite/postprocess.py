"""From raw engine candidates to the ranked ``rewrites`` of one dictionary row (pure Python).

Why a separate, Spark-free module: everything a model can emit — prompt echoes,
the system prompt, control characters, 5,000-character rambles, the query itself —
must be made safe here before it reaches the online side, and that is easiest to
test exhaustively without an engine or a cluster.

Two steps around the one relevance ``score()`` call:

1. :func:`clean_candidates`: sanitize each candidate to one bounded line, drop the
   empty ones and identity rewrites (same key as the query after ``normalize``),
   dedupe by ``normalize`` keeping the likeliest form.
2. :func:`rank`: combine relevance (from the relevance task) and likelihood (mean
   token log-probability) into ``score``, threshold on relevance, keep top-k.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from ..normalize import normalize
from ..usable import has_echo_phrase, why_unusable

#: Line prefixes a model echoes from the prompt or chat format ("Query: ...", "assistant").
_ECHO_PREFIX = re.compile(
    r"^\s*(?:<\|im_start\|>\s*)?(?:query|task|rewrite|rewritten query|answer|assistant|user|system|output)\s*(?:[:：]|=>|->)\s*",
    re.IGNORECASE,
)
_ROLE_LINE = re.compile(r"^\s*(?:<\|im_start\|>)?\s*(?:assistant|user|system)\s*$", re.IGNORECASE)
_SPECIAL_TOKEN = re.compile(r"<\|[^|>]{0,40}\|>")
#: Terminal escape sequences (ANSI CSI/OSC): removed whole, not just their ESC byte.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_SPACES = re.compile(r"\s+")
#: Quotes and bullets that wrap a rewrite without being part of it.
_WRAP = "\"'`“”‘’«»[](){}*-•·:;,. \t"
@dataclass(frozen=True)
class CleanCandidate:
    """A candidate that survived sanitizing: display text, its key, and its likelihood."""

    text: str
    key: str
    logprob: float
    num_tokens: int


def _visible(text: str) -> str:
    """Control/format characters (NUL, ESC, bidi overrides, zero-width) become spaces."""
    return "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp") else ch for ch in text)


def _first_line(text: str) -> str:
    for line in re.split(r"[\r\n\u2028\u2029\x0b\x0c\x85]+", text):
        if line.strip() and not _ROLE_LINE.match(line):
            return line
    return ""


def _is_instructions(key: str) -> bool:
    return has_echo_phrase(key)


def _bound(text: str, max_chars: int) -> str:
    """Cut at the last word boundary within ``max_chars`` (a hard cut for one long word)."""
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars + 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > max_chars // 2 else text[:max_chars]).strip()


def _printable_ascii(text: str) -> bool:
    """Text the first cleaning steps cannot change: printable ASCII (no control, no line break) without ``<|``.

    For such text the special-token and ANSI removal, the first-line cut, NFC and
    :func:`_visible` are the identity, so :func:`_sanitize_keyed` skips them (same result,
    no per-character loop); tests/rewrite/test_postprocess.py checks it against the full path.
    """
    return text.isascii() and text.isprintable() and "<|" not in text


def _sanitize_keyed(text: str | None, query_key: str, max_chars: int) -> tuple[str, str] | None:
    """:func:`sanitize` that also returns the result's ``normalize`` key, normalizing each distinct text once.

    ``query_key`` is ``normalize(query)``, computed once per query by the caller.
    """
    if not text:
        return None
    if _printable_ascii(text):
        line = text if text.strip() and not _ROLE_LINE.match(text) else ""
    else:
        line = _first_line(_ANSI.sub(" ", _SPECIAL_TOKEN.sub(" ", text)))
        line = _visible(unicodedata.normalize("NFC", line))
    key_of, key = line, normalize(line)
    if _is_instructions(key):
        return None
    for _ in range(4):  # "Answer: Rewrite: x" -> "x"
        stripped = _ECHO_PREFIX.sub("", line, count=1)
        if stripped == line:
            break
        line = stripped
    line = _SPACES.sub(" ", line).strip().strip(_WRAP).strip()
    if line != key_of:  # normalized again only when the text changed
        key_of, key = line, normalize(line)
    if not key or _is_instructions(key):
        return None
    bounded = _bound(line, max_chars).strip(_WRAP).strip()
    if bounded != line:
        line, key = bounded, normalize(bounded)
    if why_unusable(query_key, line, max_chars, key=key, query_key=query_key) is not None:
        return None
    return line, key


def sanitize(text: str | None, query_norm: str, max_chars: int = 96) -> str | None:
    """One clean line of rewrite text, or None when nothing usable is left.

    Cleans (first line, special tokens, control characters, echoed prefixes, wrapping
    quotes, a cut at a word boundary), then applies the one usable-rewrite rule
    (:func:`qrw.usable.why_unusable`): None for an empty text, an echo of the
    instructions, a relevance label, no letters, a repetition, or the query itself.
    """
    out = _sanitize_keyed(text, normalize(query_norm), max_chars)
    return None if out is None else out[0]


def clean_candidates(query_norm: str, candidates, max_chars: int = 96) -> list[CleanCandidate]:
    """Sanitize, drop empties/identities, dedupe by ``normalize`` keeping the likeliest form.

    ``candidates`` are engine ``Candidate`` objects (``text``, ``logprob``, ``num_tokens``).
    Order of the result is deterministic: by likelihood, then text.
    Cost: the query is normalized once, each candidate's text once per distinct form
    (``sanitize`` then ``why_unusable`` then the dedupe key used to normalize it up to seven times).
    """
    query_key = normalize(query_norm)
    best: dict[str, CleanCandidate] = {}
    for cand in candidates:
        out = _sanitize_keyed(cand.text, query_key, max_chars)
        if out is None:
            continue
        text, key = out
        logprob = float(cand.logprob) if cand.logprob is not None and math.isfinite(cand.logprob) else -1e9
        kept = best.get(key)
        if kept is None or (logprob, -len(text), text) > (kept.logprob, -len(kept.text), kept.text):
            best[key] = CleanCandidate(text=text, key=key, logprob=logprob, num_tokens=int(cand.num_tokens or 0))
    if len(best) < 2:
        return list(best.values())
    return sorted(best.values(), key=lambda c: (-c.logprob, c.text))


def combined_score(relevance: float, logprob: float, relevance_weight: float, likelihood_weight: float) -> float:
    """Weighted mean of relevance and per-token likelihood ``exp(mean logprob)``, both in [0, 1]."""
    total = relevance_weight + likelihood_weight
    if total <= 0:
        return relevance
    likelihood = math.exp(min(0.0, logprob))
    return (relevance_weight * relevance + likelihood_weight * likelihood) / total


def _unit(value: float | None) -> float:
    if value is None or not math.isfinite(value):
        return 0.0
    return min(1.0, max(0.0, float(value)))


def rank(
    cleaned: list[CleanCandidate],
    relevances: list[float],
    *,
    top_k: int,
    min_relevance: float,
    relevance_weight: float = 0.7,
    likelihood_weight: float = 0.3,
) -> list[dict]:
    """The ``rewrites`` value: best first, relevance >= ``min_relevance``, at most ``top_k``."""
    if len(cleaned) != len(relevances):
        raise ValueError(f"{len(cleaned)} candidates but {len(relevances)} relevance scores")
    ranked = []
    for cand, rel in zip(cleaned, relevances):
        rel = _unit(rel)
        if rel < min_relevance:
            continue
        score = combined_score(rel, cand.logprob, relevance_weight, likelihood_weight)
        ranked.append({"rewrite": cand.text, "relevance": rel, "score": score})
    ranked.sort(key=lambda r: (-r["score"], -r["relevance"], r["rewrite"]))
    return ranked[: max(0, top_k)]
