"""The large world (sim.world=large): a different, bigger shop built on the small one's rules.

Most checks run at a reduced catalog_scale and traffic so they take seconds; one builds the
default-size catalog and intents (the issue #11 sizes: >= 50,000 products, >= 10,000 queries).
"""

from __future__ import annotations

from collections import Counter

import pytest

from qrw.config import SimSection, load_config
from qrw.normalize import normalize
from qrw.sim import describe, generate_world
from qrw.sim.large import large_vocabulary
from qrw.sim.vocab import SMALL

SMALL_CFG = {"world": "large", "catalog_scale": 2.0, "intents": 400, "users": 6000, "label_queries": 500}


@pytest.fixture(scope="module")
def large():
    return generate_world(SimSection(**SMALL_CFG))


def test_large_world_defaults_apply_only_when_unset():
    cfg = load_config(None, ["sim.world=large"]).sim
    assert (cfg.intents, cfg.users, cfg.label_queries) == (1500, 40000, 6000)
    cfg = load_config(None, ["sim.world=large", "sim.users=10"]).sim
    assert cfg.users == 10 and cfg.intents == 1500
    small = load_config(None).sim
    assert (small.world, small.intents, small.users) == ("small", 160, 4000)


def test_small_world_is_untouched_by_the_large_option():
    """The demo's world is generated from the hand-written vocabulary alone, whatever catalog_scale says."""
    a = generate_world(SimSection())
    b = generate_world(SimSection(catalog_scale=3.0))
    assert a.fingerprint() == b.fingerprint()
    assert set(a.catalog["category"]) <= {p.category for p in SMALL.types}


def test_large_vocabulary_is_seeded_and_bigger():
    v7, v7b, v8 = large_vocabulary(7, 2.0), large_vocabulary(7, 2.0), large_vocabulary(8, 2.0)
    assert [b for b in v7.brands] == [b for b in v7b.brands]
    assert set(v7.brands) != set(v8.brands), "another seed invents other brands"
    assert len(v7.types) >= len(SMALL.types) + 40
    assert len({t.category.split(" > ")[0] for t in v7.types}) >= 12
    from qrw.sim.vocab_large import LARGE_BRANDS

    invented = set(v7.brands) - set(SMALL.brands) - set(LARGE_BRANDS)
    assert len(invented) >= 100
    for name in invented:
        b = v7.brands[name]
        assert b.misspellings and all(normalize(m) != normalize(name) for m in b.misspellings)


def test_large_world_contract_and_truth(large):
    d = describe(large)
    assert d["products"] > 3 * len(generate_world(SimSection()).catalog)
    assert d["categories"] >= 60
    assert len({c.split(" > ")[0] for c in large.catalog["category"]}) >= 12
    assert large.catalog["product_id"].is_unique and large.catalog["title"].is_unique
    # Every logged query has a ground truth, and each normalized query means one intent.
    searched = {normalize(q) for q in large.search_log.loc[large.search_log["event_type"] == "search", "query"]}
    assert searched == set(large.truth_queries["query_norm"])
    assert large.truth_queries["query_norm"].is_unique
    # Gaps of every kind, and invented brands' misspellings among the queries shoppers typed.
    gaps = Counter(large.truth_queries["gap_type"])
    assert {"synonym", "misspelling", "unit", "brand_nickname", "word_order", "multi"} <= set(gaps)
    assert large.relevance_labels["label"].nunique() == 4
    assert "user_id" not in large.relevance_labels.columns and "user_id" not in large.catalog.columns


def test_large_world_is_deterministic(large):
    again = generate_world(SimSection(**SMALL_CFG))
    assert again.fingerprint() == large.fingerprint()
    other = generate_world(SimSection(**{**SMALL_CFG, "seed": 8}))
    assert set(other.catalog["title"]) != set(large.catalog["title"])


def test_default_large_world_reaches_the_issue_sizes():
    """The default large catalog has >= 50,000 products; its intents give >= 10,000 distinct queries."""
    from qrw.sim.catalog import build_catalog
    from qrw.sim.intents import attach_forms, build_intents
    from qrw.sim.search import LexicalSearch, product_text

    cfg = load_config(None, ["sim.world=large"]).sim
    vocab = large_vocabulary(cfg.seed, cfg.catalog_scale)
    products = build_catalog(cfg.seed, vocab)
    assert len(products) >= 50_000
    search = LexicalSearch([product_text(p.title, p.brand, p.ptype.category) for p in products])
    intents = build_intents(products, cfg.intents, cfg.seed, vocab)
    owner = attach_forms(intents, search, cfg.seed, cfg.canonical_share)
    # Forms the shoppers can type (the log holds those searched at least once, plus fresh typos).
    assert len(owner) >= 10_000
