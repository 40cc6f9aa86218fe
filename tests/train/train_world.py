"""A small hand-made shop world written in the exact training-data export layout.

Why our own world (not qrw.sim + the data job): these tests check the trainer,
so the input must be fixed and fast to write; the sample-world run is the
realistic check (docs/results.md). Every row is rendered with qrw.prompts, the
same functions `qrw build-training-data` uses.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

from qrw import prompts
from qrw.normalize import normalize

BRANDS = ["nike", "adidas", "puma", "apple", "samsung", "sony", "lego", "bosch", "philips", "ikea"]
ITEMS = {
    "running shoes": ["sneakers", "trainers", "runners"],
    "headphones": ["earphones", "headset", "cans"],
    "phone case": ["phone cover", "mobile case", "cell cover"],
    "t shirt": ["tee", "tshirt", "top"],
    "backpack": ["rucksack", "school bag", "daypack"],
    "coffee maker": ["coffee machine", "espresso maker", "brewer"],
    "desk lamp": ["table light", "reading lamp", "study light"],
    "water bottle": ["drink bottle", "flask", "sports bottle"],
    "yoga mat": ["exercise mat", "gym mat", "fitness mat"],
    "vacuum cleaner": ["hoover", "vacuum", "floor cleaner"],
}
ATTRS = ["black", "white", "red", "blue"]


def make_world(seed: int = 0) -> dict:
    """Products, queries (brand + colloquial item word) and their engaged products."""
    rng = random.Random(seed)
    products, by_intent = [], {}
    for b in BRANDS:
        for item in ITEMS:
            for a in rng.sample(ATTRS, 2):
                pid = f"p{len(products):04d}"
                products.append({"product_id": pid, "title": f"{b} {item} {a}", "brand": b, "category": f"Shop > {item.title()}",
                                 "description": f"A {a} {item} by {b}."})
                by_intent.setdefault((b, item), []).append(pid)
    queries = []
    for (b, item), pids in by_intent.items():
        for syn in ITEMS[item]:
            q = f"{b} {syn}" if rng.random() < 0.7 else f"{syn} {b}"
            engaged = [{"product_id": p, "clicks": rng.randint(1, 5), "add_to_carts": rng.randint(0, 2), "orders": rng.randint(0, 1)} for p in pids]
            queries.append({"query": q, "query_norm": normalize(q), "rewrite": f"{b} {item}", "brand": b, "item": item, "products": engaged})
    rng.shuffle(queries)
    return {"products": products, "queries": queries}


def relevance_rows(q: dict, rng: random.Random) -> list[tuple[str, str, int]]:
    other_brand = rng.choice([b for b in BRANDS if b != q["brand"]])
    other_item = rng.choice([i for i in ITEMS if i != q["item"]])
    return [
        (q["query"], q["rewrite"], 2),
        (q["query"], f"{other_brand} {q['item']}", 1),
        (q["query"], f"{q['brand']} {other_item}", 0),
    ]


def write_export(folder: Path, world: dict, *, eval_share: float = 0.15, seed: int = 0) -> Path:
    """Write {folder}/export/*.jsonl exactly as build-training-data lays them out."""
    rng = random.Random(seed)
    exp = folder / "export"
    exp.mkdir(parents=True, exist_ok=True)
    queries = world["queries"]
    n_eval = max(2, int(len(queries) * eval_share))
    splits = {"dev": queries[:n_eval], "train": queries[n_eval:]}
    for split, qs in splits.items():
        sft, grpo, rel = [], [], []
        for q in qs:
            sft.append(prompts.sft_example(prompts.TASK_REWRITE, prompts.rewrite_messages(q["query"]), q["rewrite"]))
            for query, rewrite, grade in relevance_rows(q, rng):
                sft.append(prompts.sft_example(prompts.TASK_RELEVANCE, prompts.relevance_messages(query, rewrite), prompts.relevance_completion(grade)))
                rel.append({"query": query, "rewrite": rewrite, "grade": grade})
            grpo.append({"prompt": prompts.rewrite_messages(q["query"]), "query": q["query"], "query_norm": q["query_norm"], "products": q["products"]})
        _dump(exp / f"sft_{split}.jsonl", sft)
        _dump(exp / f"grpo_{split}.jsonl", grpo)
        if split == "dev":
            _dump(exp / "relevance_dev.jsonl", rel)
    _dump(exp / "query_splits.jsonl", [{"query_norm": q["query_norm"], "split": split} for split, qs in splits.items() for q in qs])
    _dump(exp / "catalog.jsonl", [{"product_id": p["product_id"], "title": p["title"], "text": normalize(f"{p['title']} {p['brand']} {p['category']}")} for p in world["products"]])
    return folder


def write_raw(folder: Path, world: dict) -> tuple[str, str]:
    """search_log + catalog in the input contract (JSON Lines), for bootstrap through the Spark readers."""
    folder.mkdir(parents=True, exist_ok=True)
    events = []
    for i, q in enumerate(world["queries"]):
        sid = f"s{i}"
        events.append({"event_time": f"2026-11-01T10:{i % 60:02d}:00Z", "user_id": f"u{i % 17}", "session_id": sid, "query": q["query"],
                       "event_type": "search", "product_id": None, "position": None})
        for j, p in enumerate(q["products"][:2]):
            events.append({"event_time": f"2026-11-01T10:{i % 60:02d}:{10 + j:02d}Z", "user_id": f"u{i % 17}", "session_id": sid,
                           "query": None, "event_type": "click", "product_id": p["product_id"], "position": j + 1})
    log_path, cat_path = folder / "search_log.jsonl", folder / "catalog.jsonl"
    _dump(log_path, events)
    _dump(cat_path, world["products"])
    return str(log_path), str(cat_path)


def _dump(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def tiny_cfg(base_cfg, **sections):
    """The session config with tiny, fast training settings (and any overrides)."""
    cfg = base_cfg.model_copy(deep=True)
    t = cfg.train
    t.bootstrap.vocab_size = 600
    t.bootstrap.model.hidden_size, t.bootstrap.model.intermediate_size = 64, 128
    t.bootstrap.model.num_layers, t.bootstrap.model.num_heads, t.bootstrap.model.num_kv_heads = 2, 2, 1
    t.bootstrap.seq_len, t.bootstrap.batch_size, t.bootstrap.max_steps = 64, 8, 30
    t.sft.batch_size, t.sft.max_steps, t.sft.save_steps, t.sft.logging_steps = 16, 12, 10, 4
    t.sft.max_eval_examples, t.sft.max_eval_loss_rows = 90, 64
    t.sft.learning_rate = 2e-3
    t.grpo.max_steps, t.grpo.prompts_per_step, t.grpo.num_generations = 2, 2, 2
    t.grpo.eval_prompts, t.grpo.eval_generations, t.grpo.max_completion_length, t.grpo.logging_steps = 6, 2, 8, 1
    for key, value in sections.items():
        obj = cfg
        *path, last = key.split("__")
        for p in path:
            obj = getattr(obj, p)
        setattr(obj, last, value)
    return cfg


