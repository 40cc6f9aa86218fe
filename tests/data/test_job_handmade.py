"""The whole job on the hand-made shop: pairs, labels, output layout, privacy, reruns."""

from __future__ import annotations

import json

from datasets import load_dataset

from qrw import prompts
from qrw.data.job import TABLES, build_training_data

import handmade


def _pairs(built, spark) -> dict[tuple[str, str], dict]:
    return {(r["query_norm"], r["rewrite_norm"]): r.asDict() for r in built.table(spark, "rewrite_pairs").collect()}


def test_successful_reformulations_and_graph_neighbours_become_pairs(handmade_built, spark):
    pairs = _pairs(handmade_built, spark)
    for gap, canonical in [("sneakers for jogging", "running shoes"), ("timbs", "timberland boots"), ("65in tv", "65 inch tv"), ("cans", "wireless headphones")]:
        assert (gap, canonical) in pairs, sorted(pairs)
    # Two independent signals agree on these: reformulations and shared products.
    assert set(pairs[("cans", "wireless headphones")]["signals"]) == {"graph", "reformulation"}
    assert pairs[("cans", "wireless headphones")]["score"] > pairs[("timbs", "timberland boots")]["score"]
    # Every mined pair keeps the hidden intent on this shop.
    assert all(handmade.INTENT[q] == handmade.INTENT[r] for q, r in pairs if r in handmade.INTENT)


def test_intent_changes_and_noise_are_dropped(handmade_built, spark):
    pairs = _pairs(handmade_built, spark)
    assert ("wireless headphones", "leather boots") not in pairs  # gave up and bought boots
    dropped = handmade_built.summary["pairs"]["dropped"]
    assert dropped["category_change/reformulation"] >= 1
    assert "catalog" in handmade_built.summary["pairs"]["candidates_by_signal"]
    assert all(r["support"] >= 2 for r in pairs.values())
    assert all(q != r for q, r in pairs)


def test_relevance_labels_grade_intent_hard_negatives_and_partials(handmade_built, spark):
    rows = handmade_built.table(spark, "relevance_examples").collect()
    by_pair = {frozenset((r["query_norm"], r["rewrite_norm"])): r for r in rows}
    assert {r["grade"] for r in rows} == {0, 1, 2}
    # Balanced: no grade has more rows than the smallest one (label_balance_ratio 1.0).
    counts = [sum(r["grade"] == g for r in rows) for g in (0, 1, 2)]
    assert max(counts) == min(counts)
    before = handmade_built.summary["labels"]["before_balance"]
    # Shares the word "running" but not the intent: a hard negative.
    assert before.get("0/hard_negative", 0) >= 1
    pair = by_pair.get(frozenset(("running shorts", "running shoes")))
    assert pair is None or (pair["grade"] == 0 and pair["source"] == "hard_negative")
    for r in rows:  # graded against the hand-made intents, every kept label is right
        truth = 2 if handmade.INTENT[r["query_norm"]] == handmade.INTENT[r["rewrite_norm"]] else (
            1 if handmade.CATEGORY[handmade.INTENT[r["query_norm"]]] == handmade.CATEGORY[handmade.INTENT[r["rewrite_norm"]]] else 0
        )
        assert r["grade"] == truth, r


def test_output_layout_is_what_trl_and_the_reward_read(handmade_built, spark, data_cfg):
    out = handmade_built.out
    for name in TABLES:
        assert (out / "tables" / name / "_delta_log").is_dir(), name
    sft = handmade_built.jsonl("sft_train.jsonl")
    assert {r["task"] for r in sft} == {prompts.TASK_REWRITE, prompts.TASK_RELEVANCE}
    for r in sft:
        assert set(r) == {"task", "prompt", "completion"}
        user = r["prompt"][-1]["content"]
        query = user.split("Query: ", 1)[1].split("\n", 1)[0]
        if r["task"] == prompts.TASK_REWRITE:
            assert r["prompt"] == prompts.rewrite_messages(query)
        else:
            rewrite = user.split("Rewrite: ", 1)[1].split("\n", 1)[0]
            assert r["prompt"] == prompts.relevance_messages(query, rewrite)
            assert r["completion"][0]["content"] in prompts.RELEVANCE_LABELS.values()
        assert r["completion"][0]["role"] == "assistant"
    # TRL reads these through datasets' JSON loader.
    ds = load_dataset("json", data_files=str(out / "export" / "sft_train.jsonl"), split="train")
    assert len(ds) == len(sft) and set(ds.column_names) == {"task", "prompt", "completion"}
    # Task mix: relevance_task_share of the SFT rows within each split.
    want = data_cfg.data.relevance_task_share
    share = sum(r["task"] == prompts.TASK_RELEVANCE for r in sft) / len(sft)
    assert abs(share - want) <= 1 / len(sft) + 1e-9
    grpo = {r["query_norm"]: r for r in handmade_built.jsonl("grpo_train.jsonl") + handmade_built.jsonl("grpo_dev.jsonl") + handmade_built.jsonl("grpo_test.jsonl")}
    assert grpo["cans"]["prompt"] == prompts.rewrite_messages("cans")
    assert {p["product_id"] for p in grpo["cans"]["products"]} == {"p9"}
    assert set(grpo["cans"]["products"][0]) == {"product_id", "clicks", "add_to_carts", "orders"}
    catalog = {r["product_id"]: r["text"] for r in handmade_built.jsonl("catalog.jsonl")}
    assert catalog["p6"] == "samsung 65 inch 4k tv samsung electronics tv"
    assert "p12" not in catalog  # rejected (no title)
    corpus = (out / "export" / "corpus.txt").read_text().splitlines()
    assert "Timberland Classic Leather Boots" in corpus and "timbs" in corpus
    summary = json.loads((out / "summary.json").read_text())
    assert summary["pairs"] == handmade_built.summary["pairs"]


def test_catalog_with_missing_titles_is_rejected_with_reasons_and_the_job_goes_on(handmade_built, spark):
    s = handmade_built.summary
    assert s["inputs"]["catalog"]["rejected_by_reason"] == {"missing title": 2}
    assert s["rejects"]["search_log/unknown event_type: hover"] == 1
    assert s["events"]["unknown_product"] == 1  # the click on p12
    assert any("2 of 13 catalog rows rejected (missing title: 2)" in w for w in s["warnings"])
    rejects = handmade_built.table(spark, "rejects").collect()
    assert {(r["source"], r["reason"]) for r in rejects} >= {("catalog", "missing title"), ("search_log", "unknown event_type: hover")}
    assert len(rejects) == 2 + 2


def test_no_user_or_session_id_in_any_output(handmade_built, spark):
    ids = ("user0", "user9", "sess0", "sess9")
    for name in TABLES:
        df = handmade_built.table(spark, name)
        assert not {"user_id", "session_id", "session"} & set(df.columns), name
        text = "\n".join(json.dumps(r.asDict(recursive=True), default=str) for r in df.collect())
        assert not any(i in text for i in ids), name
    for f in (handmade_built.out / "export").iterdir():
        text = f.read_text()
        assert not any(i in text for i in ids), f.name
    assert not any(i in (handmade_built.out / "summary.json").read_text() for i in ids)


def test_rerun_overwrites_instead_of_adding(handmade_built, spark, data_cfg):
    before = {f.name: f.read_bytes() for f in (handmade_built.out / "export").iterdir()}
    counts = {t: handmade_built.table(spark, t).count() for t in TABLES}
    again = build_training_data(data_cfg, labels=None, out=str(handmade_built.out), fmt=None, **handmade_built.inputs)
    assert again["pairs"] == handmade_built.summary["pairs"] and again["labels"] == handmade_built.summary["labels"]
    assert {t: handmade_built.table(spark, t).count() for t in TABLES} == counts
    assert {f.name: f.read_bytes() for f in (handmade_built.out / "export").iterdir()} == before
