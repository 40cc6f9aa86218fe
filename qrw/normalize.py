"""The one query normalization: the lookup key shared by data jobs, the batch
job, export and `qrw lookup`.

Rules (in order), chosen so that what users type differently but mean the same
lands on one key, without merging different products:

0. Zero-width characters are deleted, joining what they split: ``so\u200bny`` -> ``sony``
   (U+200B..U+200D zero-width space/non-joiner/joiner, U+2060 word joiner, U+FEFF BOM
   / zero-width no-break space, U+00AD soft hyphen). They are invisible, so users and
   copy-paste insert them without meaning anything; done first, so they cannot block
   NFKC composition or the decimal-point rule either.
1. ``None`` -> ``""``; Unicode NFKC (full-width letters, ligatures, ``①`` -> ``1``).
2. ``casefold()`` (stronger than lower(): ``ß`` -> ``ss``).
3. Apostrophes are deleted, joining the word: ``men's`` -> ``mens``.
4. ``&`` -> `` and ``.
5. A ``.`` or ``,`` between two digits is a decimal point -> ``.``: ``2,5l`` and ``2.5l`` -> ``2.5l``.
6. Every other character that is not a letter, digit or combining mark
   (punctuation, symbols, emoji, control characters, ``-``, ``/``) becomes a space:
   ``t-shirt`` -> ``t shirt``.
7. Whitespace runs collapse to one space; the ends are trimmed.

The result is idempotent: ``normalize(normalize(q)) == normalize(q)``.
It never truncates; length limits are the readers' and the batch job's business.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["ZERO_WIDTH", "normalize"]

#: Invisible characters deleted before anything else (rule 0).
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_DROP_ZERO_WIDTH = str.maketrans("", "", ZERO_WIDTH)

_APOSTROPHES = re.compile(r"['\u2019\u2018\u02bc`\u00b4]")
_SPACES = re.compile(r"\s+")


def _is_digit(ch: str) -> bool:
    return unicodedata.category(ch) == "Nd"


def _strip_symbols(text: str) -> str:
    """Steps 5 and 6: keep letters/digits/marks and decimal points, space the rest."""
    out = []
    last = len(text) - 1
    for i, ch in enumerate(text):
        if unicodedata.category(ch)[0] in "LNM":
            out.append(ch)
        elif ch in ".," and 0 < i < last and _is_digit(text[i - 1]) and _is_digit(text[i + 1]):
            out.append(".")
        else:
            out.append(" ")
    return "".join(out)


#: ASCII fast path (same rules, no per-character Python loop): in ASCII, NFKC is the identity,
#: casefold() is lower(), the zero-width characters cannot occur, letters/digits are [a-z0-9].
_ASCII_APOSTROPHES = str.maketrans("", "", "'`")
_ASCII_DECIMAL = re.compile(r"(?<=[0-9])[.,](?=[0-9])")
_ASCII_SYMBOLS = re.compile(r"[^a-z0-9\ue000]+")


def _normalize_ascii(query: str) -> str:
    text = query.lower().translate(_ASCII_APOSTROPHES).replace("&", " and ")
    text = _ASCII_DECIMAL.sub("\ue000", text)  # a decimal point, marked by a non-ASCII placeholder
    return _ASCII_SYMBOLS.sub(" ", text).strip().replace("\ue000", ".")


def normalize(query: str | None) -> str:
    """Map a raw query to its lookup key (see the module docstring for the rules)."""
    if not query:
        return ""
    if query.isascii():
        return _normalize_ascii(query)
    return _normalize_unicode(query)


def _normalize_unicode(query: str) -> str:
    """The rules as written (any text); :func:`_normalize_ascii` is the same for ASCII text, faster."""
    text = unicodedata.normalize("NFKC", query.translate(_DROP_ZERO_WIDTH)).casefold()
    text = _APOSTROPHES.sub("", text)
    text = text.replace("&", " and ")
    text = _strip_symbols(text)
    return _SPACES.sub(" ", text).strip()
