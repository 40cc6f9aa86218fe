"""What a usable rewrite is: the ONE rule the GRPO reward and the batch job both apply.

Why one rule: the trainer's ``rules`` reward (:mod:`qrw.train.rewards`) teaches the
model what the batch job (:mod:`qrw.rewrite.postprocess`) will keep. When the two
judged differently, GRPO could pay for completions the dictionary then dropped, or
(worse) the dictionary kept what training never discouraged: instruction-like queries
got the relevance *label tokens* "2"/"1"/"0" as rewrites, scored ~0.86 relevant.

A rewrite is unusable when it is empty, more than one line, too long, an echo of
the prompt, has no letters (a label token, digits or punctuation only), repeats
itself ("shoes shoes shoes", "red shoes red shoes"), or is the query again after
:func:`qrw.normalize`. The batch job cleans a candidate first (first line, echoed
prefixes, control characters, a cut at a word boundary) and then asks this rule.
"""

from __future__ import annotations

import re
from collections import Counter

from .normalize import normalize
from .prompts import RELEVANCE_LABELS, TASK_RELEVANCE, TASK_REWRITE, instruction_texts

#: Phrases only a model repeating its prompt produces (the current templates', and older
#: templates' phrases a model trained on them may still emit), compared after normalize().
ECHO_PHRASES: tuple[str, ...] = tuple(
    p
    for p in dict.fromkeys(
        (
            *(normalize(text)[:40] for text in instruction_texts()),
            normalize("Answer with one digit"),
            normalize("keeping the shopper's intent"),
            normalize("search query rewriter"),
            f"task {TASK_REWRITE}",
            f"task {TASK_RELEVANCE}",
        )
    )
    if p
)
#: Prompt-format fragments, compared case-folded on the raw text (their punctuation is the tell:
#: "task lamp" is a product, "task:" is an echo).
ECHO_FRAGMENTS: tuple[str, ...] = ("task:", "query:", "rewrite:", "<|im_")
#: One search for all echo phrases (the same containment test as ``any(p in key for p in ECHO_PHRASES)``, in C).
_ECHO_PHRASE_RE = re.compile("|".join(map(re.escape, ECHO_PHRASES)))
_ECHO_FRAGMENT_RE = re.compile("|".join(map(re.escape, ECHO_FRAGMENTS)))


def has_echo_phrase(key: str) -> bool:
    """True when the normalized text ``key`` holds one of :data:`ECHO_PHRASES`."""
    return _ECHO_PHRASE_RE.search(key) is not None


#: The relevance task's completions: a rewrite that is one of them is the wrong task's answer.
LABEL_KEYS = frozenset(normalize(label) for label in RELEVANCE_LABELS.values())


def is_prompt_echo(text: str, key: str | None = None) -> bool:
    """True when ``text`` holds a fragment of the prompt templates (``key``: ``normalize(text)``, if known)."""
    if _ECHO_FRAGMENT_RE.search(text.casefold()) is not None:
        return True
    return has_echo_phrase(normalize(text) if key is None else key)


def is_repetitive(key: str) -> bool:
    """A word three times or more, or one phrase of 2+ words said twice or more ("mahi mahi" is fine)."""
    words = key.split()
    if len(words) < 3 or len(set(words)) == len(words):  # no word said twice: neither rule can hold
        return False
    if max(Counter(words).values()) >= 3:
        return True
    for size in range(2, len(words) // 2 + 1):
        if len(words) % size == 0 and words == words[:size] * (len(words) // size):
            return True
    return False


def why_unusable(
    query: str, rewrite: str, max_chars: int, max_words: int | None = None, *, key: str | None = None, query_key: str | None = None
) -> str | None:
    """Why ``rewrite`` cannot be served as a rewrite of ``query``, or None when it can.

    Trailing whitespace (the newline after ``<|im_end|>``) is not a second line.
    ``key`` / ``query_key``: ``normalize(rewrite)`` / ``normalize(query)`` when the caller
    already has them (the batch job does, per chunk): the same rule, without normalizing again.
    """
    text = (rewrite or "").strip()
    if not text:
        return "empty"
    if "\n" in text or "\r" in text:
        return "multi-line"
    if len(text) > max_chars:
        return "too long"
    if max_words is not None and len(text.split()) > max_words:
        return "too many words"
    if is_prompt_echo(text, key):
        return "prompt echo"
    key = normalize(text) if key is None else key
    if not key:
        return "no words"
    if key in LABEL_KEYS:
        return "relevance label"
    if not any(ch.isalpha() for ch in key):
        return "no letters"
    if is_repetitive(key):
        return "repetitive"
    if key == (normalize(query) if query_key is None else query_key):
        return "same as query"
    return None
