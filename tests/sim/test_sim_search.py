"""The sample world's own lexical engine (the real one the simulated shoppers use)."""

from __future__ import annotations

from qrw.sim.search import LexicalSearch

DOCS = [
    "Adidas Hook-and-Loop Kids' Sneakers White Shoes > Sneakers",  # row 0 (most popular)
    "Samsung 65 inch 4K Smart TV Electronics > TVs",
    "Nike Lace-Up Men's Sneakers Black Shoes > Sneakers",
    "Adidas Kids' Hoodie Grey Apparel > Hoodies",
]


def test_and_first_then_relaxed_in_row_order():
    eng = LexicalSearch(DOCS, k=10, min_should_match=0.5)
    assert eng.search("sneakers") == (0, 2)
    assert eng.search("Nike  SNEAKERS") == (2, 0)  # full match first, then the partial one
    assert eng.search("adidas kids") == (0, 3)
    assert eng.strict("adidas kids sneakers") == frozenset({0})


def test_gap_words_do_not_match():
    eng = LexicalSearch(DOCS, k=10, min_should_match=0.75)
    assert eng.search("trainers") == ()
    assert eng.search("adidas kids trainers") == ()  # 2 of 3 tokens < 75%
    assert eng.search("samsung 65in 4k tv") == (1,)  # 3 of 4 = 75%: shown by the relaxed pass
    assert eng.strict("samsung 65in 4k tv") == frozenset()
    assert eng.search("") == ()


def test_top_k_cut():
    eng = LexicalSearch(DOCS * 5, k=3, min_should_match=0.5)
    assert eng.search("sneakers") == (0, 2, 4)
