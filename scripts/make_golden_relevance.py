"""Seed conf/golden_relevance.jsonl from the sample world's hidden truth (qrw.sim), dev/test queries only.

The golden relevance set gates publication independently of the model (qrw/golden_relevance.py).
A team with human judgments writes the same JSONL from them instead (docs/results.md, "Golden
relevance set"). For the sample world the truth says which intent every query means, so:

* keeps the intent: a held-out query -> its intent's canonical (merchant-words) query, or another
  query of the same intent;
* drifts (the kinds issue #12 found published): the query's brand on another product type
  ("15.6 inch gaming laptop asus" -> "asus 1.5 litre plastic kettle"); the query's numbers on
  another product type ("13 inch computer bag" -> "13 inch gaming laptop"); the same product type
  with a contradicting attribute; another intent of the same category.

Only queries of the dev and test splits (qrw.data.splits with the default fractions) are used as
the pair's query, so no golden query was a training input. Deterministic (seeded).

    .venv/bin/python scripts/make_golden_relevance.py [--out conf/golden_relevance.jsonl] [--pairs 80]
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The demo's own published drifts (issue #12).
ISSUE_PAIRS = [("15.6 inch gaming laptop asus", "asus 1.5 litre plastic kettle"), ("13 inch computer bag", "13 inch gaming laptop")]


def held_out(spark, queries: list[str], dev_fraction: float, test_fraction: float) -> dict[str, str]:
    from qrw.data.splits import split_of

    df = spark.createDataFrame([(q,) for q in queries], "query_norm string")
    return {r[0]: r[1] for r in df.select("query_norm", split_of("query_norm", dev_fraction, test_fraction)).collect()}


def _numbers(text: str) -> list[str]:
    """Number-with-unit phrases ("13 inch", "1.5 litre", "32gb")."""
    return re.findall(r"\b\d+(?:\.\d+)?\s?(?:inch|litre|liter|l|gb|tb|cm|mm|pods|pack|w|ml)?\b", text)


def _contradicts(a, b) -> bool:
    """Both intents constrain one attribute (size, capacity, gender, ...) to different values."""
    a, b = dict(a or {}), dict(b or {})
    return any(k in b and b[k] != v for k, v in a.items())


def build(world, splits: dict[str, str], n_pairs: int, seed: int = 12) -> list[dict]:
    from qrw.normalize import normalize

    rng = random.Random(seed)
    intents = {r.intent_id: r for r in world.truth_intents.itertuples(index=False)}
    by_intent: dict[str, list[str]] = {}
    for r in world.truth_queries.itertuples(index=False):
        by_intent.setdefault(r.intent_id, []).append(r.query_norm)
    queries = [r for r in world.truth_queries.itertuples(index=False) if splits.get(r.query_norm) in ("dev", "test") and r.gap_type != "misspelling"]
    rng.shuffle(queries)
    half = n_pairs // 2
    positives, negatives = [], []
    seen: set[tuple[str, str]] = set()

    def add(bucket: list, q, rewrite: str, keeps: bool, kind: str) -> None:
        query = q if isinstance(q, str) else q.query_norm
        key = (query, normalize(rewrite))
        if key in seen or normalize(rewrite) == query or not normalize(rewrite):
            return
        seen.add(key)
        bucket.append({"query": query, "rewrite": normalize(rewrite), "keeps_intent": keeps, "kind": kind, "split": splits[query]})

    for query, rewrite in ISSUE_PAIRS:  # the drifts issue #12 saw published, when their query is held out
        if splits.get(query) in ("dev", "test"):
            add(negatives, query, rewrite, False, "issue_12_example")

    def brand_of(intent) -> str | None:
        return intent.brand if isinstance(intent.brand, str) and intent.brand else None

    for q in queries:
        me = intents[q.intent_id]
        if len(positives) < half:
            if q.canonical_query and normalize(q.canonical_query) != q.query_norm:
                add(positives, q, q.canonical_query, True, "canonical")
            elif len(by_intent[q.intent_id]) > 1:
                add(positives, q, rng.choice([x for x in by_intent[q.intent_id] if x != q.query_norm]), True, "same_intent_form")
        if len(negatives) >= half:
            continue
        # truth: another intent none of whose products satisfy this query's intent
        others = [i for i in intents.values() if i.intent_id != q.intent_id and not set(i.product_ids) & set(me.product_ids)]
        brand = brand_of(me)
        kinds = []
        if brand:
            other_type = [i for i in others if i.product_type != me.product_type and (brand_of(i) or "") != brand]
            if other_type:
                o = rng.choice(other_type)
                text = o.canonical_query.replace(brand_of(o) or "\0", "").strip()
                kinds.append((f"{brand} {text}", "same_brand_other_type"))
        nums = _numbers(q.query_norm)
        if nums:
            other_type = [i for i in others if i.product_type != me.product_type and i.category.split(" > ")[0] == me.category.split(" > ")[0]]
            if other_type:
                o = rng.choice(other_type)
                rest = re.sub(r"^\d\S*\s*", "", o.canonical_query)
                kinds.append((f"{nums[0]} {rest}", "same_numbers_other_type"))
        same_type = [i for i in others if i.product_type == me.product_type and _contradicts(me.attributes, i.attributes)]
        if same_type:
            kinds.append((rng.choice(same_type).canonical_query, "same_type_contradicting_attribute"))
        same_cat = [i for i in others if i.category == me.category and i.product_type != me.product_type]
        if same_cat:
            kinds.append((rng.choice(same_cat).canonical_query, "same_category_other_type"))
        if kinds:  # the kind with the fewest pairs so far: every drift kind is represented
            counts = {k: sum(n["kind"] == k for n in negatives) for _, k in kinds}
            text, kind = min(kinds, key=lambda tk: (counts[tk[1]], tk[1]))
            add(negatives, q, text, False, kind)
    rows = positives[:half] + negatives[:half]
    return sorted(rows, key=lambda r: (not r["keeps_intent"], r["kind"], r["query"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "conf" / "golden_relevance.jsonl"))
    parser.add_argument("--pairs", type=int, default=80)
    args = parser.parse_args()

    from qrw.config import load_config
    from qrw.sim import generate_world
    from qrw.spark import spark_session

    cfg = load_config(None)
    world = generate_world(cfg.sim)
    spark = spark_session(cfg)
    splits = held_out(spark, world.truth_queries["query_norm"].tolist(), cfg.data.dev_fraction, cfg.data.test_fraction)
    rows = build(world, splits, args.pairs)
    Path(args.out).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    kinds: dict[str, int] = {}
    for r in rows:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
    print(f"wrote {len(rows)} pairs to {args.out}: {kinds}")


if __name__ == "__main__":
    main()
