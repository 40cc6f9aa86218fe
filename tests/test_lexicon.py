"""qrw.lexicon: mining shoppers' words -> catalog words from behaviour, and the word-by-word rewrite."""

from __future__ import annotations

import json

import pytest

from qrw.errors import QrwError
from qrw.lexicon import Lexicon, LexiconSettings, Speller, engagement_weight, is_lexicon, load, max_edits, mine, vocabulary_of

TITLES = {
    "sofa1": "Grey Fabric Sofa 3 Seater",
    "sofa2": "Beige Leather Sofa 2 Seater",
    "sofa3": "Green Velvet Sofa",
    "tv1": "Samsung 55 inch Smart TV",
    "tv2": "LG 43 inch TV",
    "lamp": "Brass Floor Lamp",
}
DOCS = [f"{t} furniture" for t in TITLES.values()] + ["Monitor 27 inch", "Tablet 10 inch"]


def _engaged(*rows):
    return [(q, {pid: 1.0 for pid in pids}) for q, pids in rows]


def test_a_word_no_product_has_maps_to_the_title_word_its_engagement_consistently_carries():
    lex = mine(_engaged(("grey settee", ["sofa1"]), ("leather settee", ["sofa2"]), ("settee", ["sofa3", "sofa1"]),
                        ("big telly", ["tv1"]), ("telly 43", ["tv2"]), ("brass lamp", ["lamp"])), TITLES, DOCS)
    # settee: "sofa" in 3 of 3 queries, "seater" in 2 of 3; telly: "tv" and "inch" in 2 of 2, "tv" the more specific
    assert lex.terms == {"settee": ["sofa", "seater"], "telly": ["tv", "inch"]}  # catalog words ("lamp") are never sources
    assert "furniture" in lex.vocabulary  # vocabulary from the indexed documents, targets from titles only
    assert all("furniture" not in targets for targets in lex.terms.values())


def test_a_mapping_needs_enough_queries_and_a_consistent_target():
    once = mine(_engaged(("grey settee", ["sofa1"])), TITLES, DOCS)
    assert once.terms == {}  # one query is an anecdote (min_queries=2)
    mixed = mine(_engaged(("thingy", ["sofa1"]), ("thingy", ["tv1"]), ("thingy", ["lamp"])), TITLES, DOCS)
    assert mixed.terms == {}  # no target in 60% of its queries
    loose = mine(_engaged(("grey settee", ["sofa1"])), TITLES, DOCS, LexiconSettings(min_queries=1))
    # from one query every title word it lacks ties: why min_queries defaults to 2
    assert set(loose.terms["settee"]) == {"fabric", "sofa", "3", "seater"}
    # products unknown to the catalog teach nothing; no weight, no lesson
    assert mine([("settee", {"nope": 3.0}), ("settee", {"sofa1": 0.0})], TITLES, DOCS).terms == {}


def test_rewrite_keeps_catalog_words_maps_fixes_spelling_and_drops_what_no_product_has():
    lex = Lexicon(vocabulary=vocabulary_of(DOCS), terms={"settee": ["sofa", "seater"], "telly": ["tv"]})
    assert lex.rewrite("Grey SETTEE") == "grey sofa"  # max_targets=1
    assert lex.rewrite("samsung telly 55 inch") == "samsung tv 55 inch"
    assert lex.rewrite("velvett sofa") == "velvet sofa"  # edit distance 1
    assert lex.rewrite("brass floor lamp zzqx") == "brass floor lamp"  # unknown, nothing close: dropped
    assert lex.rewrite("sofa settee") == "sofa"  # one word once
    assert lex.rewrite("grey sofa") is None and lex.rewrite("zzqx") is None and lex.rewrite("") is None
    two = Lexicon(vocabulary=lex.vocabulary, terms=lex.terms, settings=LexiconSettings(max_targets=2))
    assert two.rewrite("settee") == "sofa seater" and two.digest != lex.digest
    assert lex.rewrites(["telly", "sofa"]) == ["tv", None]


def test_compounds_are_joined_or_split_where_the_catalog_writes_them_otherwise():
    lex = Lexicon(vocabulary={"32gb": 3, "ram": 4, "flat": 2, "screen": 5, "tv": 6, "ear": 1, "earbuds": 2, "gb": 1}, terms={})
    assert lex.rewrite("32 gb ram") == "32gb ram"
    assert lex.rewrite("flatscreen tv") == "flat screen tv"
    assert lex.rewrite("ear buds") == "earbuds"
    assert lex.rewrite("screen tv") is None  # both catalog words, "screentv" is none: nothing to do


def test_targets_prefer_the_words_shoppers_type_and_ignore_those_the_query_already_holds():
    titles = {"l1": "Acme Laptop 16GB SSD", "l2": "Zeta Laptop 8GB SSD", "b1": "Acme Laptop Bag"}
    docs = list(titles.values())
    # "computer" comes with "laptop" and "ssd" in every query lacking them; shoppers type "laptop"
    lex = mine(_engaged(("laptop computer", ["l1"]), ("notebook computer", ["l2"]), ("portable computer", ["l1", "l2"]),
                        ("laptop", ["l1"]), ("laptop bag", ["b1"])), titles, docs)
    assert lex.terms["computer"][0] == "laptop" and "ssd" in lex.terms["computer"]
    assert lex.rewrite("portable computer") == "laptop"


def test_speller_follows_elasticsearch_auto_and_prefers_the_frequent_word():
    assert [max_edits(w) for w in ("tv", "sofa", "leather", "velvets1")] == [0, 1, 1, 2]
    s = Speller({"sofa": 5, "soda": 1, "tv": 9})
    assert s.correct("sofa") == "sofa" and s.correct("sova") == "sofa" and s.correct("tx") is None and s.correct("qqqqq") is None
    assert Speller({"kettle": 1}).correct("kettel") == "kettle"  # a swap is one edit (fuzzy_transpositions)


def test_save_and_load_round_trip_and_a_wrong_directory_is_a_clear_error(tmp_path):
    lex = mine(_engaged(("grey settee", ["sofa1"]), ("settee", ["sofa3"])), TITLES, DOCS)
    manifest = lex.save(tmp_path / "lexicon", data={"x": 1})
    assert manifest["kind"] == "lexicon" and manifest["mapped_words"] == 1 and manifest["model_version"].endswith(lex.digest)
    assert is_lexicon(tmp_path / "lexicon") and json.loads((tmp_path / "lexicon" / "qrw_model.json").read_text())["data"] == {"x": 1}
    back = load(tmp_path / "lexicon")
    assert back.terms == lex.terms and back.vocabulary == lex.vocabulary and back.digest == lex.digest
    assert back.rewrite("grey settee") == lex.rewrite("grey settee") == "grey sofa"
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "qrw_model.json").write_text(json.dumps({"kind": "relevance"}))
    for bad in (tmp_path / "other", tmp_path / "missing"):
        assert not is_lexicon(bad)
        with pytest.raises(QrwError, match="qrw train lexicon"):
            load(bad)


def test_engagement_weight_counts_orders_most():
    assert engagement_weight({"clicks": 2, "add_to_carts": 1, "orders": None}) == 4.0
    assert engagement_weight({"orders": 1}) == 3.0 and engagement_weight({}) == 0.0
