"""The sample world's product catalog: merchant-worded products drawn from the vocabulary.

Row order is hidden popularity (most popular first); the internal search engine
breaks ties by row order, so an engine rebuilt from the catalog table alone
ranks exactly as the simulated shoppers saw it. Product ids are a shuffled
numbering so they do not give the popularity away.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import pandas as pd

from ..normalize import normalize
from .vocab import SMALL, ProductType, Value, Vocabulary

CATALOG_COLUMNS = ["product_id", "title", "brand", "category", "attributes", "description"]

_SYLLABLES = ("ka", "vo", "re", "lix", "ta", "mo", "zen", "ri", "sol", "na", "pe", "dro", "ki", "lu", "ven", "ox", "ar", "mi", "tor", "qua")
_CODE_LETTERS = "BCDFGHJKMNPQRSTVWXZ"

_SYNONYM_LINES = (
    "A go-to pick if you are shopping for {syn}.",
    "Some call them {syn}; we call them the best {noun} we stock.",
    "Looking for {syn}? This is it.",
)


@dataclass
class Product:
    idx: int
    product_id: str
    ptype: ProductType
    brand: str
    values: dict[str, str]
    title: str
    description: str
    popularity: float
    model: str = ""
    attributes: dict[str, str] = field(default_factory=dict)


def vocabulary_tokens(vocab: Vocabulary) -> set[str]:
    """Every token a query could contain, so invented model (and brand) names never collide with one."""
    words: list[str] = []
    for p in vocab.types + vocab.unsold:
        words += [p.noun, p.query_noun, *p.synonyms, *p.colloquial, *p.uses, p.category]
        for f in p.facets:
            for v in f.values:
                words += [v.title, v.q, *v.synonyms, *v.colloquial, *v.units, *v.uses]
    for b in vocab.brands.values():
        words += [b.name, *b.nicknames, *b.misspellings]
    return {t for w in words for t in normalize(w).split()}


def _model_name(style: str, rng: random.Random, taken: set[str]) -> str:
    for _ in range(50):
        if style == "code":
            name = rng.choice(_CODE_LETTERS) + rng.choice(_CODE_LETTERS) + str(rng.randrange(10, 99)) + rng.choice(("", "0", "5"))
        else:
            name = "".join(rng.choice(_SYLLABLES) for _ in range(2)).capitalize()
            if rng.random() < 0.5:
                name += f" {rng.randrange(2, 9)}"
        if not set(normalize(name).split()) & taken:
            return name
    raise AssertionError("model name space exhausted")


def _allowed(value: Value, brand: str, chosen: dict[str, str]) -> bool:
    for key, allowed in value.requires.items():
        got = brand if key == "brand" else chosen.get(key)
        if got not in allowed:
            return False
    return True


def _fill(template: str, parts: dict[str, str]) -> str:
    words = []
    for piece in template.split():
        if piece.startswith("{") and piece.endswith("}"):
            text = parts.get(piece[1:-1], "")
            if text:
                words.append(text)
        else:
            words.append(piece)
    return " ".join(words)


def _description(ptype: ProductType, title: str, values: dict[str, str], rng: random.Random) -> str:
    lines = [f"{title}.", ptype.blurb]
    if values:
        facts = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in values.items())
        lines.append(f"Details - {facts}.")
    if ptype.synonyms and rng.random() < 0.3:
        line = rng.choice(_SYNONYM_LINES)
        lines.append(line.format(syn=rng.choice(ptype.synonyms), noun=ptype.query_noun))
    return " ".join(line for line in lines if line)


def build_catalog(seed: int, vocab: Vocabulary = SMALL) -> list[Product]:
    """All products, most popular first; deterministic in ``seed`` and independent of traffic scale."""
    rng = random.Random(f"qrw-sim-catalog-{seed}")
    taken = vocabulary_tokens(vocab)
    drafts: list[tuple[float, ProductType, str, dict[str, str], str]] = []
    for ptype in vocab.types:
        brand_weight = {b: rng.lognormvariate(0, 0.5) for b in ptype.brands}
        models: dict[str, list[str]] = {}
        seen_titles: set[str] = set()
        made = 0
        attempts = 0
        while made < ptype.n_products and attempts < ptype.n_products * 20:
            attempts += 1
            brand = rng.choices(ptype.brands, weights=[brand_weight[b] for b in ptype.brands])[0]
            chosen: dict[str, str] = {}
            for facet in ptype.facets:
                if facet.optional and rng.random() < facet.optional:
                    continue
                allowed = [v for v in facet.values if _allowed(v, brand, chosen)]
                if allowed:
                    chosen[facet.name] = rng.choices(allowed, weights=[v.weight for v in allowed])[0].title
            model = ""
            if ptype.model_style:
                pool = models.setdefault(brand, [])
                if not pool or rng.random() < 0.45:
                    pool.append(_model_name(ptype.model_style, rng, taken))
                model = rng.choice(pool)
            title = _fill(ptype.title, {"brand": brand, "model": model, "noun": ptype.noun, **chosen})
            if title in seen_titles:
                continue
            seen_titles.add(title)
            popularity = rng.lognormvariate(0, 1.0) * ptype.popularity * brand_weight[brand]
            drafts.append((popularity, ptype, brand, chosen, model))
            made += 1

    order = sorted(range(len(drafts)), key=lambda i: -drafts[i][0])
    ids = list(range(10001, 10001 + len(drafts)))
    rng.shuffle(ids)
    products: list[Product] = []
    for row, i in enumerate(order):
        popularity, ptype, brand, chosen, model = drafts[i]
        title = _fill(ptype.title, {"brand": brand, "model": model, "noun": ptype.noun, **chosen})
        attributes = dict(chosen)
        if model:
            attributes["model"] = model
        products.append(
            Product(
                idx=row,
                product_id=f"P{ids[row]}",
                ptype=ptype,
                brand=brand,
                values=chosen,
                title=title,
                description=_description(ptype, title, chosen, rng),
                popularity=popularity,
                model=model,
                attributes=attributes,
            )
        )
    return products


def catalog_frame(products: list[Product]) -> pd.DataFrame:
    """The contract ``catalog`` table (row order = hidden popularity)."""
    return pd.DataFrame(
        {
            "product_id": [p.product_id for p in products],
            "title": [p.title for p in products],
            "brand": [p.brand for p in products],
            "category": [p.ptype.category for p in products],
            "attributes": [dict(p.attributes) for p in products],
            "description": [p.description for p in products],
        },
        columns=CATALOG_COLUMNS,
    )

