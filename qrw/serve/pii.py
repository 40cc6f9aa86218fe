"""Personal data detectors for what is published: e-mail, phone, card numbers, street addresses.

Searches sometimes carry personal data (a pasted e-mail, an order-hotline number,
a card number typed into the wrong box, a delivery address). The k-users
threshold does not catch the ones many users type (a support line, a shop's own
address), so publish, export, Redis and lookup drop every key that carries one
and every rewrite text that does (:func:`scan`, applied in Spark by
``qrw.serve.snapshot.scrub``).

Keys are already ``normalize()``d (``@``, ``-``, ``(``, ``.`` became spaces), so
each detector works on raw text *and* on its normalized form:

* ``email``: ``x@y.tld``; normalized: words then a mail provider then a TLD
  (``john doe gmail com``), or ``... at ... dot com``.
* ``card``: a run of digit groups with 13-19 digits that passes the Luhn check.
* ``phone``: a run of up to 5 digit groups (spaces, dashes, dots, parentheses,
  a leading ``+`` between) with ``phone_min_digits``-``phone_max_digits`` digits;
  ``555-1234`` style local numbers too.
* ``address``: a house number, one to three street words and a street type
  (``221b baker street``, ``12 elm st``), or a German ``...strasse 12``.

Look-alikes that pass: digits glued to letters (``rtx 4090``, ``sm-g991b``, ``2x4x8``),
short numbers (``32 x 80 door``, ``iphone 15 256``), a single-group GTIN barcode
(8/12/13/14 digits with a valid check digit: people search by barcode), and
counts before product words (``2 way radio``, ``4 bay nas drive``).
"""

from __future__ import annotations

import re
import unicodedata

KINDS = ("email", "card", "phone", "address")

_EMAIL_RAW = re.compile(r"[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[a-z]{2,}", re.IGNORECASE)
_PROVIDERS = (
    "gmail|googlemail|yahoo|ymail|hotmail|outlook|icloud|aol|protonmail|proton|gmx|yandex|mailru|"
    "comcast|verizon|btinternet|libero|laposte|wanadoo|qq|163|126|zoho|fastmail"
)
_TLDS = "com|net|org|de|fr|it|es|nl|ru|cn|ch|at|be|pl|io|co uk|co|uk|ca|au|me"
_EMAIL_NORM = re.compile(rf"\b[a-z0-9]+(?: [a-z0-9]+){{0,3}} (?:{_PROVIDERS}) (?:{_TLDS})\b")
_EMAIL_SPELLED = re.compile(rf"\b[a-z0-9]+ at [a-z0-9]+ dot (?:{_TLDS})\b")

#: Digit groups with separators; not glued to letters/digits on either side.
_DIGIT_RUN = re.compile(r"(?<![\w+])\+?\(?\d[\d ().\-]*\d\)?(?!\w)")
_LOCAL_PHONE = re.compile(r"(?<![\w\-.])\d{3}[\-.]\d{4}(?![\w\-])")

_STREET_TYPES = (
    "street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|terrace|"
    "parkway|pkwy|highway|hwy|circle|cir|square|sq|crescent|close"
)
_ADDRESS = re.compile(rf"(?<![\w.])\d{{1,5}}[a-z]?((?: [a-z]{{3,}}){{1,3}}) (?:{_STREET_TYPES})\b")
_ADDRESS_DE = re.compile(r"\b[a-z]{3,}(?:strasse|str|weg|gasse|allee|platz) \d{1,4}[a-z]?\b")
#: Words between a number and a "street type" that mean a product count, not a street.
_PRODUCT_WORDS = frozenset(
    "bay port pack piece pcs inch feet foot gang drawer seater shelf tier burner person door speed "
    "slot disk drives drive ssd hdd usb sata nvme wheel wheeler lane player channel button".split()
)


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def gtin_ok(digits: str) -> bool:
    """GTIN-8/12/13/14 check digit (EAN/UPC barcodes)."""
    if len(digits) not in (8, 12, 13, 14):
        return False
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def _digit_kind(run: str, min_digits: int, max_digits: int, kinds) -> str | None:
    digits = re.sub(r"\D", "", run)
    groups = [g for g in re.split(r"[^\d]+", run) if g]
    single = len(groups) == 1
    if single and gtin_ok(digits):
        return None  # a barcode search
    if "card" in kinds and 13 <= len(digits) <= 19 and luhn_ok(digits):
        return "card"
    if "phone" in kinds and min_digits <= len(digits) <= max_digits and len(groups) <= 5:
        return "phone"
    return None


def _text_forms(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def find(text: str | None, kinds=KINDS, phone_min_digits: int = 9, phone_max_digits: int = 15) -> str | None:
    """The first kind of personal data found in ``text`` (raw or normalized), or None."""
    if not text:
        return None
    t = _text_forms(text)
    if "email" in kinds and (_EMAIL_RAW.search(t) or _EMAIL_NORM.search(t) or _EMAIL_SPELLED.search(t)):
        return "email"
    if "card" in kinds or "phone" in kinds:
        for m in _DIGIT_RUN.finditer(t):
            kind = _digit_kind(m.group(0), phone_min_digits, phone_max_digits, kinds)
            if kind:
                return kind
        if "phone" in kinds and _LOCAL_PHONE.search(t):
            return "phone"
    if "address" in kinds:
        for m in _ADDRESS.finditer(t):
            if not set(m.group(1).split()) & _PRODUCT_WORDS:
                return "address"
        if _ADDRESS_DE.search(t):
            return "address"
    return None


def scan(key: str | None, query: str | None, rewrites: list[str] | None, cfg) -> tuple[str | None, list[str | None]]:
    """(kind found in the key or its raw query, kind found in each rewrite text); ``cfg`` is a PiiSection."""
    if not cfg.enabled:
        return None, [None] * len(rewrites or [])
    args = (tuple(cfg.kinds), cfg.phone_min_digits, cfg.phone_max_digits)
    key_kind = find(key, *args) or find(query, *args)
    return key_kind, [find(r, *args) for r in (rewrites or [])]
