"""The trainer's side of the export contract: mixing, snapshots, bad input (fast)."""

from __future__ import annotations

import json
import shutil
from collections import Counter

import pytest

from qrw.errors import QrwError
from qrw.train.data import load_grpo, load_sft, mix_tasks, snapshot


def test_fixture_rows_have_the_export_shape(export_data):
    rows = load_sft(export_data)
    assert {r["task"] for r in rows} == {"rewrite", "relevance"}
    assert rows[0]["completion"][0]["role"] == "assistant"
    grpo = load_grpo(export_data)
    assert grpo[0]["products"] and {"product_id", "clicks", "add_to_carts", "orders"} <= set(grpo[0]["products"][0])


@pytest.mark.parametrize("share", [0.2, 0.5, 0.8])
def test_mix_hits_the_share_and_throws_no_row_away(export_data, share):
    rows = load_sft(export_data)  # 1 rewrite : 3 relevance rows
    mixed = mix_tasks(rows, share, seed=0)
    counts = Counter(r["task"] for r in mixed)
    assert abs(counts["relevance"] / len(mixed) - share) <= 1 / len(mixed)
    for task in ("rewrite", "relevance"):  # every distinct row of both tasks is in the mix
        assert {json.dumps(r["prompt"]) for r in mixed if r["task"] == task} == {json.dumps(r["prompt"]) for r in rows if r["task"] == task}
    # the task above its share is kept as it is (each row once), the other one repeated to reach the share
    above = "relevance" if sum(r["task"] == "relevance" for r in rows) / len(rows) >= share else "rewrite"
    assert counts[above] == sum(r["task"] == above for r in rows)
    assert mix_tasks(rows, share, seed=0) == mixed  # seeded
    capped = mix_tasks(rows, share, seed=0, max_examples=40)
    assert len(capped) == 40 and Counter(r["task"] for r in capped)["relevance"] == round(40 * share)


def test_mix_none_keeps_the_data_as_written(export_data):
    rows = load_sft(export_data)
    assert Counter(r["task"] for r in mix_tasks(rows, None, seed=1)) == Counter(r["task"] for r in rows)
    with pytest.raises(QrwError, match="relevance_share"):
        mix_tasks(rows, 1.5, seed=0)


def test_snapshot_hash_follows_content(export_data, tmp_path):
    copy = tmp_path / "d"
    shutil.copytree(export_data, copy)
    before = snapshot(copy)
    assert before["sha256"] == snapshot(export_data)["sha256"] and "sft_train.jsonl" in before["files"]
    with open(copy / "export" / "grpo_train.jsonl", "a") as fh:
        fh.write(json.dumps({"prompt": [], "query": "x", "products": []}) + "\n")
    assert snapshot(copy)["sha256"] != before["sha256"]


def _export(tmp_path, rows_text: str):
    (tmp_path / "export").mkdir(parents=True, exist_ok=True)
    (tmp_path / "export" / "sft_train.jsonl").write_text(rows_text)
    return tmp_path


def test_bad_sft_data_says_what_is_wrong(export_data, tmp_path):
    with pytest.raises(QrwError, match="build-training-data"):
        load_sft(tmp_path / "nowhere")
    with pytest.raises(QrwError, match="no rows"):
        load_sft(_export(tmp_path / "empty", ""))
    rewrite_only = [r for r in load_sft(export_data) if r["task"] == "rewrite"]
    with pytest.raises(QrwError, match="needs both"):
        load_sft(_export(tmp_path / "one", "".join(json.dumps(r) + "\n" for r in rewrite_only)))
    with pytest.raises(QrwError, match=r"sft_train.jsonl:2 is not valid JSON"):
        load_sft(_export(tmp_path / "broken", json.dumps(rewrite_only[0]) + "\n{oops\n"))
    with pytest.raises(QrwError, match="prompt-completion"):
        load_sft(_export(tmp_path / "shape", json.dumps({"task": "rewrite", "prompt": "text", "completion": "x"}) + "\n"))
