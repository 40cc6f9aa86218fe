"""What a trained model says, at a glance: greedy rewrites and the relevance confusion matrix.

    .venv/bin/python scripts/probe_model.py qrw-data/models/sft --data qrw-data/training [-n 12]

Greedy-decodes (transformers, the same chat prompt the batch job sends) the first ``-n``
held-out GRPO queries, and tags the held-out relevance pairs: counts of (true grade,
predicted grade) and the mean probability of grade 2 per true grade. docs/results.md's
"rewrites kept the intent, of 12" columns come from the first part.
"""

from __future__ import annotations

import json
from collections import Counter

import click

from qrw.prompts import rewrite_messages
from qrw.train.data import GRPO_EVAL, RELEVANCE_EVAL, export_dir, read_jsonl
from qrw.train.modeling import load_model, load_tokenizer
from qrw.train.scoring import label_probs


@click.command()
@click.argument("model_dir")
@click.option("--data", default="qrw-data/training", show_default=True, help="Output folder of build-training-data.")
@click.option("-n", "queries", default=12, show_default=True, help="Held-out queries to rewrite.")
def main(model_dir: str, data: str, queries: int) -> None:
    import torch

    tokenizer, model = load_tokenizer(model_dir), load_model(model_dir, trainable=False)
    folder = export_dir(data)
    for row in read_jsonl(folder / GRPO_EVAL, limit=queries):
        text = tokenizer.apply_chat_template(rewrite_messages(row["query"]), add_generation_prompt=True, tokenize=False)
        enc = tokenizer(text, return_tensors="pt", add_special_tokens=False)
        with torch.inference_mode():
            out = model.generate(**enc, do_sample=False, max_new_tokens=24, pad_token_id=tokenizer.pad_token_id)
        print(f"{row['query']!r} -> {tokenizer.decode(out[0, enc['input_ids'].shape[1]:], skip_special_tokens=True)!r}")

    rows = read_jsonl(folder / RELEVANCE_EVAL)
    probs = label_probs(model, tokenizer, [(r["query"], r["rewrite"]) for r in rows])
    confusion = Counter((int(r["grade"]), max(p, key=p.get)) for r, p in zip(rows, probs))
    accuracy = sum(n for (t, p), n in confusion.items() if t == p) / len(rows)
    p2 = {g: round(sum(p[2] for r, p in zip(rows, probs) if r["grade"] == g) / max(1, sum(r["grade"] == g for r in rows)), 3) for g in (0, 1, 2)}
    print(json.dumps({
        "relevance_accuracy": round(accuracy, 4),
        "confusion (true, predicted)": {f"{t},{p}": n for (t, p), n in sorted(confusion.items())},
        "mean P(2) by true grade": p2,
    }, indent=2))


if __name__ == "__main__":
    main()
