"""The large world's extra vocabulary: same rules as the small one, many more categories and units."""

from __future__ import annotations

from qrw.normalize import normalize
from qrw.sim.vocab import BRANDS, PRODUCT_TYPES, UNSOLD_TYPES, check_vocabulary
from qrw.sim.vocab_large import LARGE_BRANDS, LARGE_PRODUCT_TYPES, LARGE_WORD_MISSPELLINGS, check_large_vocabulary


def test_large_vocabulary_is_consistent():
    assert check_large_vocabulary() == []


def test_small_vocabulary_is_untouched():
    assert check_vocabulary() == []
    assert len(PRODUCT_TYPES) == 26


def test_large_vocabulary_is_broad():
    assert len(LARGE_PRODUCT_TYPES) >= 40
    assert len({p.category.split(" > ")[0] for p in LARGE_PRODUCT_TYPES}) >= 12
    with_units = [p for p in LARGE_PRODUCT_TYPES if any(v.units for f in p.facets for v in f.values)]
    assert len(with_units) * 2 >= len(LARGE_PRODUCT_TYPES)


def test_large_types_are_new():
    old_keys = {p.key for p in PRODUCT_TYPES + UNSOLD_TYPES}
    old_nouns = {normalize(w) for p in PRODUCT_TYPES + UNSOLD_TYPES for w in (p.noun, p.query_noun)}
    old_nouns |= {normalize(w) for p in UNSOLD_TYPES for w in p.synonyms + p.colloquial}
    keys = [p.key for p in LARGE_PRODUCT_TYPES]
    assert len(set(keys)) == len(keys) and not set(keys) & old_keys
    assert not {normalize(p.noun) for p in LARGE_PRODUCT_TYPES} & old_nouns
    assert not set(LARGE_BRANDS) & set(BRANDS)
    used = {b for p in LARGE_PRODUCT_TYPES for b in p.brands}
    assert used == set(LARGE_BRANDS)
    for p in LARGE_PRODUCT_TYPES:
        assert 15 <= p.n_products <= 60 and 0.3 <= p.popularity <= 1.5, p.key
        for word in p.synonyms + p.colloquial:
            assert normalize(word) != normalize(p.query_noun), (p.key, word)


def test_curated_misspellings_are_misspellings():
    for word, typos in LARGE_WORD_MISSPELLINGS.items():
        assert typos and all(normalize(t) != word for t in typos), word
