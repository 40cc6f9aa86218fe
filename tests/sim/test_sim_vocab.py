"""The vocabulary and gap generators: merchant words consistent, gaps really different."""

from __future__ import annotations

import random

from qrw.normalize import normalize
from qrw.sim.vocab import (
    BRANDS,
    PRODUCT_TYPES,
    PTYPE_BY_KEY,
    canonical_text,
    check_vocabulary,
    combine,
    gap_forms,
    intent_slots,
    typo,
)


def test_vocabulary_is_consistent():
    assert check_vocabulary() == []
    domains = {p.category.split(" > ")[0] for p in PRODUCT_TYPES}
    assert 3 <= len(domains) <= 4
    for p in PRODUCT_TYPES:
        for word in p.synonyms + p.colloquial:
            # A gap word for a noun must not be the merchant noun itself.
            assert normalize(word) != normalize(p.query_noun), (p.key, word)


def test_typo_is_seeded_and_plausible():
    words = ["sneakers", "television", "kettle", "samsung", "headphones"]
    a = [typo(w, random.Random(5)) for w in words]
    b = [typo(w, random.Random(5)) for w in words]
    assert a == b
    for w, t in zip(words, a):
        assert t != w and t[0] == w[0] and abs(len(t) - len(w)) <= 1
    assert typo("tv", random.Random(1)) == "tv"  # too short to misspell believably


def test_gap_forms_change_the_query_and_combine():
    ptype = PTYPE_BY_KEY["sneakers"]
    constraints = {"audience": "Kids'", "closure": "Hook-and-Loop"}
    slots = intent_slots(ptype, "Adidas", constraints, random.Random(0))
    canonical = canonical_text(slots)
    assert canonical == "adidas kids hook and loop sneakers"
    forms = gap_forms(ptype, "Adidas", constraints, slots)
    kinds = {f.gap_type for f in forms}
    assert {"brand_nickname", "misspelling", "synonym", "colloquial", "word_order"} <= kinds
    assert all(normalize(f.raw) != canonical for f in forms)
    nick = next(f for f in forms if f.gap_type == "brand_nickname")
    syn = next(f for f in forms if f.gap_type == "synonym" and f.subs[0][0] == "noun")
    both = combine(slots, nick, syn)
    assert both is not None and both.gap_type == "multi"
    assert both.raw == f"{nick.subs[0][1]} kids hook and loop {syn.subs[0][1]}"
    assert combine(slots, nick, nick) is None  # same slot twice


def test_use_based_only_for_unbranded_intents():
    ptype = PTYPE_BY_KEY["running_shoes"]
    generic = gap_forms(ptype, None, {}, intent_slots(ptype, None, {}, random.Random(0)))
    branded = gap_forms(ptype, "Nike", {}, intent_slots(ptype, "Nike", {}, random.Random(0)))
    assert any(f.raw == "shoes for running a marathon" for f in generic)
    assert not any(f.gap_type == "use_based" for f in branded)


def test_every_brand_is_used_and_known():
    used = {b for p in PRODUCT_TYPES for b in p.brands}
    assert used <= set(BRANDS)
