"""Benchmark ``qrw build-training-data``: events/second vs log size, and quality vs the hidden truth.

For each target size, one fresh process: generate the sample world with ``sim.scale``
chosen for ~N events (scale 1 ~ 38.8k events), write it as Delta, then time the job
(local master from conf/local.yaml; the world's generation and writing are not timed).
Reports events/s, seconds per step, output sizes, and pair precision / label
agreement against truth_queries, so speed and quality are read together.

    .venv/bin/python scripts/bench_training_data.py --events 100000,1000000 [--json out.json] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

EVENTS_AT_SCALE_1 = 38_801  # sim defaults, seed 7 (docs/benchmarks.md, qrw.sim section)


def _quality(spark, out: str, truth_queries) -> dict:
    intent = dict(zip(truth_queries["query_norm"], truth_queries["intent_id"]))
    category = dict(zip(truth_queries["query_norm"], truth_queries["category"]))
    pairs = [r for r in spark.read.format("delta").load(f"{out}/tables/rewrite_pairs").select("query_norm", "rewrite_norm", "signal").collect()]
    judged = [r for r in pairs if r["query_norm"] in intent and r["rewrite_norm"] in intent]
    by_signal: dict[str, list[int]] = {}
    for r in judged:
        by_signal.setdefault(r["signal"], []).append(intent[r["query_norm"]] == intent[r["rewrite_norm"]])
    labels = [
        r for r in spark.read.format("delta").load(f"{out}/tables/relevance_examples").select("query_norm", "rewrite_norm", "grade").collect()
        if r["query_norm"] in intent and r["rewrite_norm"] in intent
    ]
    truth = [2 if intent[r["query_norm"]] == intent[r["rewrite_norm"]] else 1 if category[r["query_norm"]] == category[r["rewrite_norm"]] else 0 for r in labels]
    agree = sum(r["grade"] == t for r, t in zip(labels, truth)) / max(len(labels), 1)
    cg, ct = Counter(r["grade"] for r in labels), Counter(truth)
    chance = sum(cg[k] * ct[k] for k in (0, 1, 2)) / max(len(labels), 1) ** 2
    return {
        "pairs": len(pairs),
        "pair_precision": round(sum(sum(v) for v in by_signal.values()) / max(len(judged), 1), 3),
        "precision_by_signal": {k: [len(v), round(sum(v) / len(v), 3)] for k, v in sorted(by_signal.items())},
        "labels": len(labels),
        "label_agreement": round(agree, 3),
        "label_kappa": round((agree - chance) / (1 - chance), 3) if chance < 1 else None,
    }


def run_one(target_events: int, keep: str | None) -> dict:
    from qrw.config import load_config
    from qrw.data.job import build_training_data
    from qrw.sim import generate_world, write_world
    from qrw.spark import spark_session

    scale = target_events / EVENTS_AT_SCALE_1
    cfg = load_config(None, [f"sim.scale={scale}"])
    work = Path(keep or tempfile.mkdtemp(prefix="qrw-bench-data-"))
    spark = spark_session(cfg)
    t = time.perf_counter()
    world = generate_world(cfg.sim)
    paths = write_world(spark, world, str(work / "world"), fmt="delta")
    prepare_s = time.perf_counter() - t
    out = str(work / "out")
    t = time.perf_counter()
    summary = build_training_data(cfg, search_log=paths["search_log"], catalog=paths["catalog"], labels=paths["relevance_labels"], out=out, fmt=None)
    seconds = time.perf_counter() - t
    events = summary["events"]["valid"]
    result = {
        "target_events": target_events,
        "scale": round(scale, 3),
        "events": events,
        "distinct_queries": summary["queries"]["distinct"],
        "world_prepare_s": round(prepare_s, 1),
        "job_s": round(seconds, 1),
        "events_per_s": round(events / seconds),
        "steps_s": summary["seconds"],
        "kept_pairs_by_signal": summary["pairs"]["kept_by_signal"],
        "labels_by_grade": summary["labels"]["by_grade"],
        "sft_rows": summary["splits"]["sft"],
        "grpo_rows": summary["splits"]["grpo_prompts"],
        "quality": _quality(spark, out, world.truth_queries),
        "cpus": os.cpu_count(),
        "load_avg_1m_at_end": round(os.getloadavg()[0], 1),
    }
    spark.stop()
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", default="100000,1000000", help="comma-separated target event counts")
    ap.add_argument("--json", default=None, help="also write the results here")
    ap.add_argument("--keep", default=None, help="keep worlds and outputs under this folder")
    ap.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)  # child process: one size
    args = ap.parse_args()
    if args.one is not None:
        print("RESULT " + json.dumps(run_one(args.one, args.keep)), flush=True)
        return
    results = []
    for n in [int(float(x)) for x in args.events.split(",")]:
        cmd = [sys.executable, __file__, "--one", str(n)] + (["--keep", f"{args.keep}/{n}"] if args.keep else [])
        proc = subprocess.run(cmd, capture_output=True, text=True)
        lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
        if proc.returncode or not lines:
            sys.exit(f"size {n} failed:\n{proc.stderr[-3000:]}")
        results.append(json.loads(lines[-1][len("RESULT "):]))
        print(json.dumps(results[-1], indent=2), flush=True)
    if len(results) > 1:
        a, b = results[0], results[-1]
        growth = (b["job_s"] / a["job_s"]) / (b["events"] / a["events"])
        print(f"cost growth: {b['events'] / a['events']:.1f}x events -> {b['job_s'] / a['job_s']:.1f}x time (time per event x{growth:.2f})")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
