"""Benchmark the serving side on a synthetic rewrite_dictionary: publish, export, lookup.

    .venv/bin/python scripts/bench_serve.py            # 100k rows
    .venv/bin/python scripts/bench_serve.py 1000000    # any size
    .venv/bin/python scripts/bench_serve.py redis 100000 1000000   # Redis bulk load + reference-reader latency

Writes two Delta versions (the second changes the top rewrite of 5% of queries, all publishable), times
``publish`` for each (the second compares with the first), ``export`` (rows/s,
bytes), and ``lookup``: the cold call (loads the published snapshot) and warm
calls (in-process dict hits plus the publication-log freshness check).
Numbers go to docs/benchmarks.md.
"""

from __future__ import annotations

import io
import contextlib
import json
import os
import platform
import resource
import sys
import tempfile
import time


def _dictionary(spark, rows: int, changed_every: int | None):
    from pyspark.sql import functions as F

    top = F.concat(F.lit("rewrite a "), F.col("id").cast("string"))
    if changed_every:
        top = F.when(F.col("id") % changed_every == 5, F.concat(F.lit("rewrite z "), F.col("id").cast("string"))).otherwise(top)
    rw = F.array(
        F.struct(top.alias("rewrite"), F.lit(0.9).alias("relevance"), F.lit(2.0).alias("score")),
        F.struct(F.concat(F.lit("rewrite b "), F.col("id").cast("string")).alias("rewrite"), F.lit(0.7).alias("relevance"), F.lit(1.0).alias("score")),
    )
    return spark.range(rows).select(
        F.concat(F.lit("query "), F.col("id").cast("string")).alias("query_norm"),
        F.concat(F.lit("Query "), F.col("id").cast("string")).alias("query"),
        rw.alias("rewrites"),
        (F.col("id") % 100).alias("query_freq"),
        F.lit("m1").alias("model_version"),
        F.lit("r1").alias("run_id"),
        F.current_timestamp().alias("updated_at"),
        (F.col("id") % 10).alias("distinct_users"),  # users 0 and 1 -> 20% held back at min_users=2
    )


def main(rows: int = 100_000) -> dict:
    from qrw.config import load_config
    from qrw.serve import lookup as lk
    from qrw.serve.export import export
    from qrw.serve.publish import publish
    from qrw.spark import spark_session

    cfg = load_config(None, ["spark.shuffle_partitions=4"])
    t0 = time.perf_counter()
    spark = spark_session(cfg)
    out: dict = {"rows": rows, "spark_start_s": round(time.perf_counter() - t0, 1), "python": platform.python_version()}
    work = tempfile.mkdtemp(prefix="bench_serve_")
    table = os.path.join(work, "rewrite_dictionary")

    def timed(name, fn):
        t = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            result = fn()
        out[name] = round(time.perf_counter() - t, 2)
        return result

    timed("write_v0_s", lambda: _dictionary(spark, rows, None).write.format("delta").save(table))
    timed("publish_first_s", lambda: publish(cfg, table=table))
    timed("write_v1_s", lambda: _dictionary(spark, rows, 20).write.format("delta").mode("overwrite").save(table))
    report = timed("publish_vs_published_s", lambda: publish(cfg, table=table))
    out["churn"] = report["gates"]["churn"]["metric"]
    manifest = timed("export_s", lambda: export(cfg, table=table, out=os.path.join(work, "dict.jsonl")))
    out["export_rows"], out["export_mb"] = manifest["rows"], round(manifest["bytes"] / 2**20, 1)
    out["export_rows_per_s"] = round(manifest["rows"] / out["export_s"])

    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    timed("lookup_cold_s", lambda: lk.lookup(cfg, table=table, query="Query 12"))
    out["snapshot_rss_growth_mb"] = round((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024, 1)
    n = 2000
    t = time.perf_counter()
    hits = sum(lk.lookup(cfg, table=table, query=f"  QUERY {i}!! ") is not None for i in range(n))
    out["lookup_warm_ms"] = round((time.perf_counter() - t) / n * 1000, 3)
    out["lookup_warm_hit_rate"] = hits / n
    spark.stop()
    return out


def redis_bench(sizes: list[int], lookups: int = 20_000) -> dict:
    """Bulk load keys/s through ``load_full`` (the loader `qrw export --to` uses) and lookup latency
    through :class:`RedisReader` (normalize + the atomic read script), single-threaded over loopback."""
    import random
    import statistics

    from qrw.config import ServeSection
    from qrw.serve.redis_local import local_redis
    from qrw.serve.redis_store import Keys, RedisReader, connect, load_full

    cfg = ServeSection()
    out: dict = {"redis_server": None, "batch": cfg.redis_batch, "pipeline_depth": cfg.redis_pipeline_depth, "sizes": {}}
    with local_redis() as url:
        client = connect(url)
        out["redis_server"] = client.info("server")["redis_version"]
        for n in sizes:
            client.flushdb()

            def items():
                for i in range(n):
                    key = f"query {i} shoes"
                    yield key, json.dumps({"query": key, "rewrites": [{"rewrite": f"rewrite a {i}", "relevance": 0.9, "score": 2.0}, {"rewrite": f"rewrite b {i}", "relevance": 0.7, "score": 1.0}], "model_version": "m1"})

            t = time.perf_counter()
            report = load_full(client, Keys("qrw"), items(), {"table": "bench", "dictionary_version": 1}, cfg)
            total = time.perf_counter() - t
            used = client.info("memory")["used_memory"]
            reader = RedisReader(url)
            rng = random.Random(0)
            queries = [f"  Query {rng.randrange(n * 2)}  SHOES!" for _ in range(lookups)]  # ~50% hits
            lat = []
            hits = 0
            for q in queries:
                t = time.perf_counter()
                hits += reader.lookup(q) is not None
                lat.append((time.perf_counter() - t) * 1000)
            lat.sort()
            batch_t = time.perf_counter()
            for i in range(0, 10_000, 100):
                reader.lookup_many(queries[i : i + 100])
            batch_ms = (time.perf_counter() - batch_t) / 100 * 1000
            out["sizes"][n] = {
                "load_s": round(total, 2),
                "keys_per_s": round(n / total),
                "redis_used_memory_mb": round(used / 2**20, 1),
                "lookup_p50_ms": round(statistics.median(lat), 3),
                "lookup_p99_ms": round(lat[int(len(lat) * 0.99)], 3),
                "lookup_max_ms": round(lat[-1], 3),
                "lookup_hit_rate": round(hits / lookups, 3),
                "lookup_many_100_ms": round(batch_ms, 3),
                "round_trips": report["round_trips"],
            }
            reader.client.close()
    return out


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "redis":
        result = redis_bench([int(x) for x in sys.argv[2:]] or [100_000, 1_000_000])
        result["cpu"] = platform.processor() or platform.machine()
        result["cores"] = os.cpu_count()
        with open("/proc/loadavg") as fh:
            result["loadavg_1m"] = float(fh.read().split()[0])
        print(json.dumps(result, indent=2))
        sys.exit(0)
    result = main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
    with open("/proc/loadavg") as fh:
        result["loadavg_1m"] = float(fh.read().split()[0])
    print(json.dumps(result, indent=2))
