"""Benchmark the sample-world generator: sizes, wall time, peak memory, and how much a naive miner finds.

    .venv/bin/python scripts/bench_sim.py            # scales 1 and 50
    .venv/bin/python scripts/bench_sim.py 1 10 50    # any scales

Each scale runs in a fresh process so peak RSS is its own. Numbers go to docs/benchmarks.md.
"""

from __future__ import annotations

import json
import platform
import resource
import subprocess
import sys
import time


def naive_reformulation_pairs(world, min_users: int = 2) -> dict:
    """Mine the log alone the simplest way, then score with the hidden truth.

    A search with no click, followed (same session: session_id, else a 30-minute cut)
    by a different search that leads to an order -> (first, second). Kept at
    >= ``min_users`` distinct users. This bounds what the real miner has to work with.
    """
    import numpy as np
    import pandas as pd

    from qrw.normalize import normalize

    log = world.search_log
    uniq = log["query"].dropna().unique()
    log = log.assign(qn=log["query"].map(dict(zip(uniq, map(normalize, uniq)))))
    log = log.sort_values(["user_id", "event_time"], kind="stable")
    cut = (log["user_id"] != log["user_id"].shift()) | (log["event_time"].diff() > pd.Timedelta(minutes=30))
    log["sess"] = log["session_id"].where(log["session_id"].notna(), "cut-" + cut.cumsum().astype(str))
    is_search = log["event_type"].eq("search")
    log["sid"] = np.where(is_search, np.arange(len(log)), np.nan)
    log["sid"] = log.groupby("sess")["sid"].ffill()
    s = log[is_search][["sess", "user_id", "qn", "sid"]].copy()
    for etype in ("click", "order"):
        s[etype] = s["sid"].map(log[log["event_type"] == etype].groupby("sid").size()).fillna(0)
    nxt = s.groupby("sess")[["qn", "order"]].shift(-1)
    pairs = pd.DataFrame({"q": s["qn"], "r": nxt["qn"], "user": s["user_id"], "ok": (s["click"] == 0) & (nxt["order"] > 0)})
    pairs = pairs[pairs["ok"] & pairs["r"].notna() & (pairs["q"] != pairs["r"])]
    agg = pairs.groupby(["q", "r"])["user"].nunique().rename("users").reset_index()
    agg = agg[agg["users"] >= min_users]
    tq = world.truth_queries.set_index("query_norm")
    gap = tq[tq["gap_type"] != "none"]
    return {
        "pairs": int(len(agg)),
        "same_intent": round(float((agg["q"].map(tq["intent_id"]) == agg["r"].map(tq["intent_id"])).mean()), 3),
        "to_canonical": round(float((agg["r"] == agg["q"].map(tq["canonical_query"])).mean()), 3),
        "gap_queries_covered": round(float(agg["q"].isin(gap.index).sum() / max(1, len(gap))), 3),
    }


def _one(scale: float) -> dict:
    from qrw.config import SimSection
    from qrw.sim import describe, generate_world

    start = time.perf_counter()
    world = generate_world(SimSection(scale=scale))
    seconds = time.perf_counter() - start
    d = describe(world)
    return {
        "scale": scale,
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "events": d["events"],
        "events_by_type": d["events_by_type"],
        "users": d["users"],
        "distinct_queries": d["distinct_queries"],
        "products": d["products"],
        "intents": d["intents"],
        "gap_search_share": d["gap_search_share"],
        "relevance_labels": d["relevance_labels"],
        "naive_pairs": naive_reformulation_pairs(world),
    }


def main(argv: list[str]) -> None:
    if argv[:1] == ["--one"]:
        print(json.dumps(_one(float(argv[1]))))
        return
    scales = [float(a) for a in argv] or [1.0, 50.0]
    print(f"# {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print("| scale | events | users | distinct queries | gap share | seconds | peak RSS MB | naive pairs (>=2 users) | same intent | to canonical | gap queries covered |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for scale in scales:
        out = subprocess.run([sys.executable, __file__, "--one", str(scale)], capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        p = r["naive_pairs"]
        print(
            f"| {r['scale']:g} | {r['events']:,} | {r['users']:,} | {r['distinct_queries']:,} | {r['gap_search_share']} "
            f"| {r['seconds']} | {r['peak_rss_mb']} | {p['pairs']:,} | {p['same_intent']} | {p['to_canonical']} | {p['gap_queries_covered']} |"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
