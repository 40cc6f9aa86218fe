"""CPU cost of the task's per-query path without Spark: normalize(), clean_candidates() and the task body.

Uses the zero-latency engine's fixed candidates (qrw/engine/instant.py), 4 per query;
CPU time (time.process_time), best of 3, so a busy machine changes it little:

- ``normalize``: one call on a ~35-character ASCII query;
- ``clean_candidates``: sanitize + dedupe of one query's candidates;
- ``task body``: :func:`qrw.rewrite.infer.infer_partition` over Arrow batches with the
  instant engine (chunking, clean, score, rank, the output Arrow batches): everything a
  task does per query except Spark's own Arrow transfer and the staging write.

Before/after on the same machine in one command: run it once against another checkout's
code (``PYTHONPATH=/path/to/other/checkout``) and once against this one::

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

    import pyarrow as pa

    import qrw
    from qrw.config import EngineSection, RewriteSection
    from qrw.engine import Decoding
    from qrw.engine.instant import InstantEngine
    from qrw.normalize import normalize
    from qrw.rewrite.infer import InferSettings, PartitionStats, infer_partition
    from qrw.rewrite.postprocess import clean_candidates

    queries = [f"acme trail running shoes size {i}" for i in range(args.queries)]
    engine = InstantEngine()
    cands = engine.generate(queries, Decoding(num_candidates=args.candidates))
    settings = InferSettings.from_config(
        EngineSection(kind="instant", num_candidates=args.candidates), RewriteSection(min_relevance=0.0), model_dir="instant", model_version=engine.model_version
    )

    def batches():
        for i in range(0, len(queries), 1024):
            part = queries[i : i + 1024]
            yield pa.RecordBatch.from_pydict({"query_norm": part, "query": part, "query_freq": [3] * len(part), "distinct_users": [2] * len(part)})

    best = {"normalize": float("inf"), "clean": float("inf"), "task": float("inf")}
    for _ in range(3):
        t = time.process_time()
        for q in queries:
            normalize(q)
        best["normalize"] = min(best["normalize"], (time.process_time() - t) / len(queries) * 1e6)
        t = time.process_time()
        for q, cs in zip(queries, cands):
            clean_candidates(q, cs, 96)
        best["clean"] = min(best["clean"], (time.process_time() - t) / len(queries) * 1e6)
        t = time.process_time()
        rows = sum(b.num_rows for b in infer_partition(batches(), settings, lambda: engine, PartitionStats()))
        assert rows == len(queries)
        best["task"] = min(best["task"], (time.process_time() - t) / len(queries) * 1e6)
    print(
        f"code {qrw.__file__}: normalize {best['normalize']:.1f} us/call, clean_candidates {best['clean']:.1f} us/query, "
        f"task body {best['task']:.1f} us/query ({args.candidates} candidates, best of 3, CPU time)"
    )


if __name__ == "__main__":
    main()
