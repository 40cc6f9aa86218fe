"""A lexical reference for the relevance tagger: how far does string overlap alone get?

Grades (query, rewrite) pairs by the character-trigram Jaccard similarity of the two
strings, with the two thresholds (0|1 and 1|2) that fit the training rows best, and
reports accuracy on the held-out rows next to the majority rate. The model's
``relevance_accuracy`` (in its ``qrw_model.json``) is measured on the same held-out rows,
so the three numbers are directly comparable.

    .venv/bin/python scripts/baseline_relevance.py --data qrw-data/training
"""

from __future__ import annotations

import json
from collections import Counter

import click

from qrw.prompts import TASK_RELEVANCE, RELEVANCE_LABELS
from qrw.train.data import RELEVANCE_EVAL, SFT_TRAIN, export_dir, read_jsonl

GRADE_OF_LABEL = {label: grade for grade, label in RELEVANCE_LABELS.items()}


def trigrams(text: str) -> set[str]:
    padded = f" {text} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def similarity(query: str, rewrite: str) -> float:
    a, b = trigrams(query), trigrams(rewrite)
    return len(a & b) / len(a | b) if a | b else 0.0


def grade(sim: float, low: float, high: float) -> int:
    return 0 if sim < low else 1 if sim < high else 2


def train_pairs(rows: list[dict]) -> list[tuple[float, int]]:
    """(similarity, grade) of the SFT relevance rows: query and rewrite read back from the prompt."""
    out = []
    for r in rows:
        if r["task"] != TASK_RELEVANCE:
            continue
        user = r["prompt"][-1]["content"]
        query = user.split("\nQuery: ", 1)[1].split("\nRewrite: ", 1)[0]
        rewrite = user.split("\nRewrite: ", 1)[1]
        out.append((similarity(query, rewrite), GRADE_OF_LABEL[r["completion"][0]["content"]]))
    return out


def best_thresholds(train: list[tuple[float, int]]) -> tuple[float, float]:
    """The (0|1, 1|2) similarity thresholds, on a 1/40 grid, with the best accuracy on ``train``."""
    steps = [i / 40 for i in range(41)]
    _, low, high = max(
        ((sum(grade(s, lo, hi) == g for s, g in train) / len(train), lo, hi) for lo in steps for hi in steps if hi >= lo),
        key=lambda t: t[0],
    )
    return low, high


@click.command()
@click.option("--data", default="qrw-data/training", show_default=True, help="Output folder of build-training-data.")
def main(data: str) -> None:
    folder = export_dir(data)
    train = train_pairs(read_jsonl(folder / SFT_TRAIN))
    held_out = [(similarity(r["query"], r["rewrite"]), int(r["grade"])) for r in read_jsonl(folder / RELEVANCE_EVAL)]
    low, high = best_thresholds(train)
    best = (sum(grade(s, low, high) == g for s, g in train) / len(train),)
    accuracy = sum(grade(s, low, high) == g for s, g in held_out) / len(held_out)
    majority = Counter(g for _, g in held_out).most_common(1)[0][1] / len(held_out)
    print(json.dumps({
        "train_rows": len(train), "held_out_rows": len(held_out), "thresholds": [low, high],
        "train_accuracy": round(best[0], 4), "held_out_accuracy": round(accuracy, 4), "majority_rate": round(majority, 4),
    }, indent=2))


if __name__ == "__main__":
    main()
