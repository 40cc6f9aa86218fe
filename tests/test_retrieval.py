"""qrw.retrieval: the nearest catalog titles (the retrieval-first baseline and the nightly job's second source)."""

from __future__ import annotations

import pytest

from qrw.retrieval import TitleIndex

TITLES = ["Nike Air Running Shoes", "Nike Running Shorts", "Sony Wireless Headphones", "Tefal Frying Pan 28 cm", "tefal  frying pan 28 CM"]


def test_nearest_titles_are_normalized_distinct_and_best_first():
    index = TitleIndex(TITLES)
    assert index.titles == sorted({"nike air running shoes", "nike running shorts", "sony wireless headphones", "tefal frying pan 28 cm"})
    found = index.nearest(["nike runing shoes", "fryingpan tefal", "zzzz"], 2)
    assert found[0] == ["nike air running shoes", "nike running shorts"]  # through the typo, the shoes first
    assert found[1][0] == "tefal frying pan 28 cm" and len(found[1]) <= 2
    assert found[2] == []  # no trigram in common: nothing, not a random title
    assert index.nearest(["nike"], 0) == [[]]
    assert len(index.nearest(["nike"] * 600, 1)) == 600  # more queries than one block


def test_the_digest_names_the_titles():
    assert TitleIndex(TITLES).digest == TitleIndex(list(reversed(TITLES))).digest
    assert TitleIndex(TITLES).digest != TitleIndex(TITLES[:2]).digest


def test_an_index_needs_a_title():
    with pytest.raises(ValueError, match="at least one"):
        TitleIndex(["", "  ", "🙂"])
