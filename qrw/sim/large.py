"""The large sample world's vocabulary: the development benchmark at a realistic scale (issue #11).

The small world (``vocab.SMALL``) is what the demo runs and the tests pin; it is small enough
that a model can memorize it. The large world is built on top of it so numbers measured there
say something about data qrw has never seen:

* more product types in more categories (``vocab_large.LARGE_PRODUCT_TYPES``, hand-written in
  the same style: merchant words in titles, gap words shoppers use);
* every type's product count multiplied by ``catalog_scale`` (~53,000 products at the default 33),
  with model names or codes so titles stay distinct (a long tail of model numbers);
* invented brands per category, each with seeded misspellings and sometimes a short nickname,
  so most brands (and their typos) are rare: the brand tail a real catalog has.

Everything is deterministic in the seed: the same ``(seed, catalog_scale)`` gives the same
vocabulary, so a second seed is a second world, not a resample of the first.
"""

from __future__ import annotations

import random
from dataclasses import replace

from ..normalize import normalize
from .catalog import vocabulary_tokens
from .vocab import SMALL, Brand, ProductType, Vocabulary, typo

#: Syllables of invented brand names (disjoint in style from catalog model names: Kavo 3, QX55).
_BRAND_SYLLABLES = (
    "bel", "cor", "dan", "fen", "gal", "hart", "jor", "kel", "lan", "mer", "nor", "pra",
    "quin", "ros", "sten", "tal", "ul", "vik", "wen", "yar", "bro", "cas", "dul", "em",
    "fal", "gro", "hel", "ix", "jun", "kor", "lum", "mak", "nix", "oro", "pol", "sil",
)
#: Invented brands per top-level category, and how many of them each product type sells.
_BRANDS_PER_CATEGORY = 14
_INVENTED_BRANDS_PER_TYPE = 6


def _invented_brand(rng: random.Random, taken: set[str]) -> Brand:
    for _ in range(200):
        parts = [rng.choice(_BRAND_SYLLABLES) for _ in range(rng.choice((2, 2, 3)))]
        name = "".join(parts).capitalize()
        key = normalize(name)
        if len(key) < 5 or key in taken:
            continue
        taken.add(key)
        misspellings: list[str] = []
        for _ in range(3):
            t = typo(key, rng)
            if t != key and t not in taken and t not in misspellings:
                misspellings.append(t)
        nick = (parts[0] + parts[1],) if len(parts) == 3 and rng.random() < 0.4 else ()
        nick = tuple(n for n in nick if n not in taken)
        taken.update(misspellings)
        taken.update(nick)
        return Brand(name, nick, tuple(misspellings))
    raise AssertionError("brand name space exhausted")


def large_vocabulary(seed: int, catalog_scale: float) -> Vocabulary:
    """The small vocabulary plus the large world's types, invented brands and scaled product counts."""
    from .vocab_large import LARGE_BRANDS, LARGE_PRODUCT_TYPES, LARGE_WORD_MISSPELLINGS

    if catalog_scale <= 0:
        raise ValueError(f"catalog_scale must be > 0 (got {catalog_scale})")
    rng = random.Random(f"qrw-sim-large-vocab-{seed}")
    base_types = SMALL.types + LARGE_PRODUCT_TYPES
    brands = {**SMALL.brands, **LARGE_BRANDS}
    misspellings = {**SMALL.misspellings, **LARGE_WORD_MISSPELLINGS}
    base = Vocabulary(base_types, SMALL.unsold, brands, misspellings)
    taken = vocabulary_tokens(base)

    categories = sorted({t.category.split(" > ")[0] for t in base_types})
    pools: dict[str, list[str]] = {}
    for category in categories:
        pool = []
        for _ in range(_BRANDS_PER_CATEGORY):
            brand = _invented_brand(rng, taken)
            brands[brand.name] = brand
            pool.append(brand.name)
        pools[category] = pool

    types: list[ProductType] = []
    for ptype in base_types:
        pool = pools[ptype.category.split(" > ")[0]]
        extra = tuple(rng.sample(pool, min(_INVENTED_BRANDS_PER_TYPE, len(pool))))
        types.append(
            replace(
                ptype,
                brands=ptype.brands + extra,
                n_products=max(1, round(ptype.n_products * catalog_scale)),
                # Distinct titles at scale need a model name or code (real catalogs are full of them).
                model_style=ptype.model_style or ("code" if catalog_scale > 1 else ""),
            )
        )
    return Vocabulary(tuple(types), SMALL.unsold, brands, misspellings)
