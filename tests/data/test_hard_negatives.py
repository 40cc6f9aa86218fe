"""The hard negatives that fooled the tagger (type drift, attribute drift, reordered words), on the drift shop.

One run of the real job (real Spark, Delta) on a 15-product shop whose intents are plain:
each kind must appear where the catalog and behaviour say so, and nowhere else, and the
held-out split discipline must hold for the synthetic rewrites too.
"""

from __future__ import annotations

import pytest

from qrw.data import splits
from qrw.data.job import build_training_data

import handmade
from data_helpers import Built

#: Split fractions for this shop: large, so some of its ten queries are held out (dev and test).
DEV, TEST = 0.3, 0.3


@pytest.fixture(scope="module")
def drift_built(spark, cfg, tmp_path_factory) -> Built:
    folder = tmp_path_factory.mktemp("drift_shop")
    inputs = {
        "search_log": handmade.write_csv(handmade.search_log_frame(patterns=handmade.DRIFT_PATTERNS), folder / "search_log.csv"),
        "catalog": handmade.write_csv(handmade.catalog_frame(catalog=handmade.DRIFT_CATALOG), folder / "catalog.csv"),
    }
    # Balance off (ratio large): these tests look at what each source produces, not at the caps.
    data = cfg.data.model_copy(update={"dev_fraction": DEV, "test_fraction": TEST, "label_balance_ratio": 100.0})
    summary = build_training_data(cfg.model_copy(update={"data": data}), labels=None, out=str(folder / "out"), fmt=None, **inputs)
    return Built(inputs=inputs, out=folder / "out", summary=summary)


@pytest.fixture(scope="module")
def labels(drift_built, spark) -> dict[tuple[str, str], dict]:
    return {(r["query_norm"], r["rewrite_norm"]): r.asDict() for r in drift_built.table(spark, "relevance_examples").collect()}


def _of(labels: dict, source: str) -> dict[tuple[str, str], int]:
    return {k: r["grade"] for k, r in labels.items() if r["source"] == source}


def test_type_drift_pairs_a_brand_or_number_with_another_product_type(labels):
    drift = _of(labels, "type_drift")
    # A catalog title of another category through the brand, and through the number.
    assert drift.get(("gaming laptop asus", "asus 1.5 litre plastic kettle")) == 0, sorted(drift)
    assert drift.get(("13 inch laptop bag", "asus zenbook 13 inch laptop 8gb ram")) == 0, sorted(drift)
    # Two engaged queries sharing only the brand word, disjoint categories.
    laptops = {"asus gaming laptop", "gaming laptop asus"}
    assert any(set(k) & {"asus kettle"} and set(k) & laptops for k in drift), sorted(drift)
    assert set(drift.values()) == {0}
    # Sharing a plain word ("laptop") with another type is the older hard_negative, not type drift.
    assert ("13 inch laptop bag", "asus gaming laptop") not in drift
    # Never a title of the query's own category, never a query without a brand/number token.
    assert ("gaming laptop asus", "asus zenbook 13 inch laptop 8gb ram") not in drift
    assert not {q for q, _ in drift} & {"milk chocolate", "chocolate milk", "usb stick"}


def test_attribute_drift_swaps_a_value_the_query_s_own_category_carries(labels):
    drift = _of(labels, "attribute_drift")
    assert drift.get(("32gb usb stick", "64gb usb stick")) == 0, sorted(drift)
    assert drift.get(("32gb usb stick", "128gb usb stick")) == 0, sorted(drift)
    assert drift.get(("13 inch laptop bag", "15.6 inch laptop bag")) == 0, sorted(drift)
    assert drift.get(("mens rain jacket", "womens rain jacket")) == 0, sorted(drift)
    # "16gb" is a laptop's RAM, not a USB stick the catalog sells; "1.5 litre" is not a bag's size.
    assert ("32gb usb stick", "16gb usb stick") not in drift
    assert all(q != r for q, r in drift)
    # Queries without a number, gender or size word get none.
    assert not {q for q, _ in drift} & {"usb stick", "milk chocolate", "gaming laptop asus", "bosch kettle"}


def test_reordered_words_are_graded_by_behaviour(drift_built, labels):
    reordered = {frozenset(k): g for k, g in _of(labels, "reordered").items()}
    assert reordered.get(frozenset(("milk chocolate", "chocolate milk"))) == 0, reordered
    # Same words, same products: never a negative (here mining already pairs them, grade 2).
    same = [r for k, r in labels.items() if frozenset(k) == frozenset(("gaming laptop asus", "asus gaming laptop"))]
    assert all(r["grade"] == 2 for r in same), same
    before = drift_built.summary["labels"]["before_balance"]
    assert before.get("2/mined", 0) >= 1 and "0/reordered" in before and before["0/reordered"] == 1, before


def test_hard_negatives_keep_the_split_discipline(drift_built, labels, spark):
    split_of = {r["query_norm"]: r["split"] for r in drift_built.table(spark, "behaviour").collect()}
    held_out = {q for q, s in split_of.items() if s in splits.HELD_OUT}
    rows = drift_built.table(spark, "relevance_examples").collect()
    synthetic = [r for r in rows if r["source"] in ("type_drift", "attribute_drift")]
    # Not vacuous: this shop holds synthetic rewrites of both train and held-out queries.
    assert {r["split"] for r in synthetic} >= {"train"} and {r["split"] for r in synthetic} & set(splits.HELD_OUT), [(r["query_norm"], r["split"]) for r in synthetic]
    for r in rows:
        assert r["split"] == split_of[r["query_norm"]], r  # an example is in its query's split
        if r["split"] == "train":
            assert r["rewrite_norm"] not in held_out, r  # no held-out query reaches training as a rewrite
    for split in splits.HELD_OUT:
        exported = drift_built.jsonl(f"relevance_{split}.jsonl")
        assert {x["query"] for x in exported} <= {q for q, s in split_of.items() if s == split}
    want = {(r["query_norm"], r["rewrite_norm"]) for r in rows if r["split"] == "dev"}
    assert {(x["query"], x["rewrite"]) for x in drift_built.jsonl("relevance_dev.jsonl")} == want
    # The SFT training rows hold no held-out query, in any Query:/Rewrite: line.
    from qrw.eval.leakage import _prompt_fields

    for row in drift_built.jsonl("sft_train.jsonl"):
        fields = _prompt_fields(row["prompt"][-1]["content"]) + [row["completion"][0]["content"]]
        assert not set(fields) & held_out, row

