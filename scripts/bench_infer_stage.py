"""The inference stage alone on real Spark: ``mapInArrow`` of the job's task function, per ``rewrite.inflight_chunks``.

Why apart from ``bench_rewrite.py``: the whole job (select, HLL sketches, MERGE) costs
minutes of fixed Spark work that says nothing about the task's own per-query cost, and
on a shared machine it does not fit a short benchmark. This times only the stage the
overlap changes: N queries -> the task function (instant engine by default: zero
latency, so what is left is the task's own work: Arrow in/out, clean, rank) -> an
aggregate that forces every row. The settings alternate (1, 2, 1, 2, ...) so a load
change on a shared machine hits both alike; the load average is printed with each.

    PYTHONPATH=$PWD .venv/bin/python scripts/bench_infer_stage.py --queries 20000 --inflight 1,2 --repeats 2
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--queries", type=int, default=20000)
    ap.add_argument("--inflight", default="1,2")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--chunk-size", type=int, default=512)
    ap.add_argument("--master", default="local[2]")
    args = ap.parse_args()

    from pyspark.sql import functions as F

    from qrw.config import load_config
    from qrw.rewrite.infer import OUTPUT_SCHEMA, InferSettings, make_infer_fn
    from qrw.rewrite.workers import engine_worker_pool
    from qrw.spark import spark_session

    cfg = load_config(None, [f"spark.master={args.master}", "spark.shuffle_partitions=1", "engine.kind=instant", "engine.num_candidates=4"])
    spark = spark_session(cfg)
    queries = [f"acme trail running shoes size {i}" for i in range(args.queries)]
    df = spark.createDataFrame([(q, q, 3, 2) for q in queries], "query_norm string, query string, query_freq long, distinct_users long").repartition(1).cache()
    df.count()
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", str(cfg.rewrite.arrow_batch_size))
    results = []
    ks = [int(k) for k in args.inflight.split(",")]
    for rep in range(args.repeats + 1):  # the first round warms the worker pool up, not reported
        for k in ks:
            rw = cfg.rewrite.model_copy(update={"chunk_size": args.chunk_size, "inflight_chunks": k, "min_relevance": 0.0})
            settings = InferSettings.from_config(cfg.engine, rw, model_dir="instant", model_version="instant-engine-v1")
            load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
            with engine_worker_pool(spark.sparkContext, settings):
                out = df.mapInArrow(make_infer_fn(settings), OUTPUT_SCHEMA)
            t = time.perf_counter()
            row = out.agg(F.count(F.lit(1)).alias("n"), F.sum("kept").alias("kept"), F.max("rss_peak_mb").alias("rss"), F.sum("engine_ms").alias("engine_ms")).first()
            secs = time.perf_counter() - t
            assert row["n"] == len(queries)
            if rep:
                results.append({"inflight": k, "seconds": round(secs, 2), "us_per_query": round(secs / len(queries) * 1e6, 1),
                                "engine_busy_us_per_query": round(row["engine_ms"] * 1000 / len(queries), 1), "worker_vmhwm_mb": round(row["rss"], 1), "load_avg_before": load})
                print(json.dumps(results[-1]), flush=True)
    spark.stop()
    for k in ks:
        runs = [r["us_per_query"] for r in results if r["inflight"] == k]
        print(f"inflight_chunks={k}: stage {min(runs)} us/query best of {len(runs)} ({runs})")


if __name__ == "__main__":
    main()
