"""Hidden shopper intents and the surface forms (queries) each one is searched with.

An intent is a product type plus an optional brand and facet values
("adidas kids hook-and-loop sneakers"); its products are those that satisfy
all of it. Each intent has one canonical merchant-words query and a handful of
gap forms chosen from the vocabulary's generators; a form's query text belongs
to exactly one intent (canonical queries win, then more popular intents), so
the ground truth is a function of the normalized query.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from itertools import combinations

from ..normalize import normalize
from .catalog import Product
from .search import LexicalSearch
from .vocab import (
    SMALL,
    Form,
    ProductType,
    Vocabulary,
    canonical_text,
    combine,
    gap_forms,
    intent_slots,
)

#: Share of each product type's intents at 1, 2 and 3 constraints (brand or facet values).
_LEVEL_SHARE = (0.4, 0.35, 0.25)
#: Search traffic multiplier by number of constraints: broad intents are searched more.
_LEVEL_TRAFFIC = (2.5, 1.3, 0.8, 0.6)


@dataclass
class SurfaceForm:
    raw: str
    norm: str
    gap_type: str
    ops: tuple[str, ...]
    subs: tuple[tuple[str, str], ...]
    engine_gap: bool
    #: Forms of the same intent with a strict subset of this form's changes (partial fixes).
    partial: list[int] = field(default_factory=list)


@dataclass
class Intent:
    idx: int
    intent_id: str
    ptype: ProductType
    brand: str | None
    constraints: dict[str, str]
    canonical_raw: str
    canonical: str
    products: tuple[int, ...]
    popularity: float
    slots: list = field(default_factory=list)
    forms: list[SurfaceForm] = field(default_factory=list)
    #: Cumulative weights over ``forms`` for a shopper's first query.
    form_cum: list[float] = field(default_factory=list)

    @property
    def product_set(self) -> frozenset[int]:
        return frozenset(self.products)

    @property
    def category(self) -> str:
        return self.ptype.category


def _satisfies(p: Product, ptype: ProductType, brand: str | None, constraints: dict[str, str]) -> bool:
    if p.ptype.key != ptype.key or (brand is not None and p.brand != brand):
        return False
    return all(p.values.get(k) == v for k, v in constraints.items())


def _candidates(ptype: ProductType, mine: list[Product]) -> list[tuple[int, str | None, dict[str, str], float, int]]:
    """(level, brand, constraints, weight, n_products) for every non-empty combination of ``mine`` (one type's products)."""
    facet_w = {f.name: f.intent_weight for f in ptype.facets if f.intent_weight > 0}
    combos: dict[tuple, list[int]] = {}
    for p in mine:
        items = [(k, v) for k, v in p.values.items() if k in facet_w]
        keys: list[tuple] = [(p.brand, ())]
        for r in (1, 2):
            for sub in combinations(items, r):
                keys += [(None, sub), (p.brand, sub)]
        for key in keys:
            combos.setdefault(key, []).append(p.idx)
    out = []
    for (brand, sub), rows in combos.items():
        level = len(sub) + (brand is not None)
        if level == 0 or level > 3:
            continue
        weight = math.prod(facet_w[k] for k, _ in sub) * math.log1p(len(rows))
        out.append((level, brand, dict(sub), weight, len(rows)))
    out.sort(key=lambda c: (c[0], c[1] or "", sorted(c[2].items())))
    return out


def _weighted_sample(items: list, weights: list[float], k: int, rng: random.Random) -> list:
    """k items without replacement, chance proportional to weight (Efraimidis-Spirakis keys)."""
    keyed = sorted(((rng.random() ** (1.0 / w), i) for i, w in enumerate(weights) if w > 0), reverse=True)
    return [items[i] for _, i in keyed[:k]]


def build_intents(products: list[Product], n_intents: int, seed: int, vocab: Vocabulary = SMALL) -> list[Intent]:
    """Intents over the catalog (plus a few for products the shop does not sell), most searched first."""
    rng = random.Random(f"qrw-sim-intents-{seed}")
    total = sum(p.n_products for p in vocab.types)
    by_type: dict[str, list[Product]] = {}
    for p in products:
        by_type.setdefault(p.ptype.key, []).append(p)
    specs: list[tuple[ProductType, str | None, dict[str, str], int]] = []
    for ptype in vocab.types:
        quota = max(3, round(n_intents * ptype.n_products / total))
        specs.append((ptype, None, {}, 0))
        cands = _candidates(ptype, by_type.get(ptype.key, []))
        remaining = quota - 1
        for level, share in zip((1, 2, 3), _LEVEL_SHARE, strict=True):
            pool = [c for c in cands if c[0] == level]
            take = remaining if level == 3 else min(len(pool), round((quota - 1) * share))
            chosen = _weighted_sample(pool, [c[3] for c in pool], take, rng)
            remaining -= len(chosen)
            specs += [(ptype, c[1], c[2], level) for c in chosen]
    intents: list[Intent] = []
    for ptype, brand, constraints, level in specs:
        rows = tuple(p.idx for p in by_type.get(ptype.key, []) if _satisfies(p, ptype, brand, constraints))
        popularity = rng.lognormvariate(0, 0.5) * ptype.popularity * _LEVEL_TRAFFIC[level]
        intents.append(_intent(ptype, brand, constraints, rows, popularity, rng, vocab))
    sold = sum(i.popularity for i in intents)
    unsold_pop = sum(p.popularity for p in vocab.unsold)
    for ptype in vocab.unsold:
        # About 3% of intent traffic is for things the shop does not carry.
        intents.append(_intent(ptype, None, {}, (), 0.03 * sold * ptype.popularity / unsold_pop, rng, vocab))
    intents.sort(key=lambda i: -i.popularity)
    for n, intent in enumerate(intents):
        intent.idx = n
        intent.intent_id = f"I{n + 1:04d}"
    return intents


def _intent(
    ptype: ProductType, brand: str | None, constraints: dict[str, str], rows: tuple[int, ...], popularity: float, rng: random.Random, vocab: Vocabulary
) -> Intent:
    slots = intent_slots(ptype, brand, constraints, rng, vocab)
    raw = canonical_text(slots)
    return Intent(-1, "", ptype, brand, dict(constraints), raw, normalize(raw), rows, popularity, slots)


def attach_forms(intents: list[Intent], engine: LexicalSearch, seed: int, canonical_share: float) -> dict[str, tuple[int, int]]:
    """Choose each intent's gap forms and first-query weights; return norm -> (intent, form) ownership."""
    rng = random.Random(f"qrw-sim-forms-{seed}")
    owner: dict[str, tuple[int, int]] = {}
    for intent in intents:
        if intent.canonical in owner:
            raise AssertionError(f"two intents share the canonical query {intent.canonical!r}")
        intent.forms = [SurfaceForm(intent.canonical_raw, intent.canonical, "none", (), (), _engine_gap(engine, intent, intent.canonical))]
        owner[intent.canonical] = (intent.idx, 0)
        if intent.products and not intent.product_set <= engine.strict(intent.canonical):
            raise AssertionError(f"canonical query {intent.canonical!r} misses some of its intent's products")
    n = len(intents)
    for intent in intents:
        # Popular intents are searched in more ways; keeps each tail form seen by several shoppers.
        rank = intent.idx / max(1, n - 1)
        n_single = 9 if rank < 0.2 else 7 if rank < 0.5 else 5 if rank < 0.8 else 3
        n_multi = 2 if n_single >= 7 else 1 if n_single == 5 else 0
        candidates = gap_forms(intent.ptype, intent.brand, intent.constraints, intent.slots)
        by_type: dict[str, list[Form]] = {}
        seen: set[str] = {intent.canonical}
        for f in candidates:
            norm = normalize(f.raw)
            if norm and norm not in seen:
                seen.add(norm)
                by_type.setdefault(f.gap_type, []).append(f)
        for group in by_type.values():
            rng.shuffle(group)
        types = sorted(by_type)
        rng.shuffle(types)
        chosen: list[Form] = []
        while len(chosen) < n_single and any(by_type.values()):
            for t in types:
                if by_type[t] and len(chosen) < n_single:
                    chosen.append(by_type[t].pop())
        singles = [f for f in chosen if f.subs]
        pairs = [combine(intent.slots, a, b) for a, b in combinations(singles, 2)]
        pairs = [p for p in pairs if p is not None]
        rng.shuffle(pairs)
        chosen += pairs[:n_multi]
        for f in chosen:
            norm = normalize(f.raw)
            if norm in owner:
                continue
            owner[norm] = (intent.idx, len(intent.forms))
            intent.forms.append(SurfaceForm(f.raw, norm, f.gap_type, f.ops, f.subs, _engine_gap(engine, intent, norm)))
        for j, f in enumerate(intent.forms):
            if f.gap_type == "multi":
                f.partial = [i for i, g in enumerate(intent.forms) if g.ops and g.gap_type != "multi" and set(g.ops) < set(f.ops)]
        gap_weights = [1.0 / (r + 1) ** 0.9 for r in range(len(intent.forms) - 1)]
        scale = (1.0 - canonical_share) / sum(gap_weights) if gap_weights else 0.0
        weights = [canonical_share if gap_weights else 1.0] + [w * scale for w in gap_weights]
        acc = 0.0
        intent.form_cum = []
        for w in weights:
            acc += w
            intent.form_cum.append(acc)
    return owner


def _engine_gap(engine: LexicalSearch, intent: Intent, norm: str) -> bool:
    """True when the engine's AND match finds none of the intent's products for this query."""
    return not (engine.strict(norm) & intent.product_set)
