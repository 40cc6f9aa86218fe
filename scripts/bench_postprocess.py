"""CPU cost of the task's per-query path without Spark: normalize() and clean_candidates().

Uses the zero-latency engine's fixed candidates (qrw/engine/instant.py), 4 per query;
CPU time (time.process_time), best of 3, so a busy machine changes it little:

    PYTHONPATH=$PWD .venv/bin/python scripts/bench_postprocess.py [--queries 5000]
"""

from __future__ import annotations

import argparse
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--queries", type=int, default=5000)
    ap.add_argument("--candidates", type=int, default=4)
    args = ap.parse_args()

    from qrw.engine import Decoding
    from qrw.engine.instant import InstantEngine
    from qrw.normalize import normalize
    from qrw.rewrite.postprocess import clean_candidates

    queries = [f"acme trail running shoes size {i}" for i in range(args.queries)]
    cands = InstantEngine().generate(queries, Decoding(num_candidates=args.candidates))
    best_norm = best_clean = float("inf")
    for _ in range(3):
        t = time.process_time()
        for q in queries:
            normalize(q)
        best_norm = min(best_norm, (time.process_time() - t) / len(queries) * 1e6)
        t = time.process_time()
        for q, cs in zip(queries, cands):
            clean_candidates(q, cs, 96)
        best_clean = min(best_clean, (time.process_time() - t) / len(queries) * 1e6)
    print(f"normalize {best_norm:.1f} us/call, clean_candidates {best_clean:.1f} us/query ({args.candidates} candidates)")


if __name__ == "__main__":
    main()
