"""Benchmark the nightly job: Spark + engine vs the bare engine in one process, and worker memory vs size.

Same prompts, same engine settings, same model (a tiny random Qwen2 we build):

- bare: ``get_engine`` in this process, then per chunk of ``rewrite.chunk_size``
  queries ONE ``generate`` (one ``LLM.generate`` call) + ONE ``score`` call, exactly
  what a task does, with no Spark around it (``--one-call``: also all queries in ONE call);
- spark: ``qrw rewrite`` on a search log holding the same queries (local master,
  ``rewrite.slots`` engines), after a warm-up run so the Python worker's engine is
  loaded: the inference stage time (sharding shuffle, Arrow transfer, sanitize/rank,
  staging Delta write) vs bare;
- engine start seconds (both), queries/s and generated tokens/s, and the peak RSS of
  the Python worker (VmHWM) after each size: flat = it does not grow with the query count.

    .venv/bin/python scripts/bench_rewrite.py --sizes 200,2000 [--slots 1] [--one-call] [--json out.json]

``--kind instant`` swaps the engine for the zero-latency one (``qrw/engine/instant.py``:
fixed candidates and scores, no model): what is left is the job's OWN overhead, reported
in microseconds per query (inference stage, stage minus engine calls, whole job), next to
bare (the same chunked post-processing in one process, no Spark). The peak RSS of every
Spark Python worker is sampled while each size runs (``peak_python_workers_mb``: the
largest one and the sum), beside the inference worker's own VmHWM:

    .venv/bin/python scripts/bench_rewrite.py --kind instant --sizes 10000,100000 --json out.json

``--inflight 1,2`` runs the Spark job once per ``rewrite.inflight_chunks`` value at each size,
in the same process against the same warm engine and bare baseline (1 = no overlap of the
engine with emitting, 2 = the default): the overlap's effect measured within one run.
The load average (``os.getloadavg``) is recorded before and after every timed part: on a
shared machine a number means little without it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def bench_queries(n: int) -> list[str]:
    """``n`` distinct product-style queries (deterministic); past the corpus' combinations, numbered variants."""
    from qrw.engine.testing import product_corpus
    from qrw.normalize import normalize

    out, seen = [], set()
    corpus = product_corpus(n=min(4 * n + 400, 200_000), seed=1)
    for line in corpus:
        key = normalize(line)
        if key and len(key) <= 60 and key not in seen and not key.startswith(("task", "you are")):
            seen.add(key)
            out.append(key)
        if len(out) == n:
            return out
    base, i = list(out), 0
    while len(out) < n:  # numbered variants ("acme kettle 2l 17"): still distinct keys, same lengths
        key = f"{base[i % len(base)]} {i // len(base) + 2}"
        if key not in seen:
            seen.add(key)
            out.append(key)
        i += 1
    return out


class WorkerRss:
    """Samples the RSS of this job's Spark Python workers (``pyspark.daemon`` and its forks) in a thread.

    ``peak()`` -> (largest single worker MiB, largest sum over workers MiB, workers seen).
    """

    def __init__(self, every_s: float = 0.2) -> None:
        import threading

        self.every_s = every_s
        self.per_pid: dict[int, float] = {}
        self.total = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        import psutil

        total = 0.0
        # Only this benchmark's own workers: descendants of this process (the JVM's Python daemon and its forks).
        for proc in psutil.Process().children(recursive=True):
            try:
                cmd = " ".join(proc.cmdline())
                if "pyspark.daemon" not in cmd and "pyspark.worker" not in cmd:
                    continue
                mb = proc.memory_info().rss / 2**20
            except psutil.Error:
                continue
            total += mb
            self.per_pid[proc.pid] = max(self.per_pid.get(proc.pid, 0.0), mb)
        self.total = max(self.total, total)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._sample()
            except Exception:  # noqa: BLE001 - a process ending mid-sample is normal
                pass
            self._stop.wait(self.every_s)

    def __enter__(self) -> "WorkerRss":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def peak(self) -> dict:
        return {"max_worker_mb": round(max(self.per_pid.values(), default=0.0), 1), "sum_mb": round(self.total, 1), "workers": len(self.per_pid)}


def write_log(spark, path: str, queries: list[str]) -> str:
    rows = [(f"2026-11-02T10:{i % 60:02d}:00Z", u, None, q, "search", None, None) for i, q in enumerate(queries) for u in ("u1", "u2")]
    ddl = "event_time string, user_id string, session_id string, query string, event_type string, product_id string, position int"
    spark.createDataFrame(rows, ddl).write.format("delta").mode("overwrite").save(path)
    return path


def _bare_pass(engine, cfg, queries: list[str], chunk: int) -> dict:
    """generate + score over ``queries`` in chunks of ``chunk`` (one call each when chunk >= len)."""
    from qrw.engine import Decoding
    from qrw.rewrite.postprocess import clean_candidates

    before = engine.stats.snapshot()
    t = time.perf_counter()
    pairs = 0
    for i in range(0, len(queries), chunk):
        part = queries[i : i + chunk]
        cands = engine.generate(part, Decoding.from_config(cfg.engine))
        batch = [(q, c.text) for q, cs in zip(part, cands) for c in clean_candidates(q, cs, cfg.rewrite.max_rewrite_chars)]
        engine.score(batch)
        pairs += len(batch)
    secs = time.perf_counter() - t
    tokens = engine.stats.snapshot()["generated_tokens"] - before["generated_tokens"]
    return {
        "seconds": round(secs, 2),
        "us_per_query": round(secs / max(1, len(queries)) * 1e6, 1),
        "pairs_scored": pairs,
        "queries_per_s": round(len(queries) / secs, 1),
        "gen_tokens": int(tokens),
        "tokens_per_s": round(tokens / secs, 1),
    }


def bare(cfg, model: str, sizes: list[int], one_call: bool) -> dict:
    """The engine alone in this process: chunks of rewrite.chunk_size (as the job) and, optionally, ONE call."""
    from qrw.engine import Decoding, close_engines, get_engine

    t = time.perf_counter()
    engine = get_engine(cfg.engine, model)
    out = {"engine_start_s": round(time.perf_counter() - t, 2), "runs": {}}
    engine.generate(bench_queries(8), Decoding.from_config(cfg.engine))  # warm-up (first-call setup)
    for n in sizes:
        queries = bench_queries(n)
        out["runs"][n] = {"chunked": _bare_pass(engine, cfg, queries, cfg.rewrite.chunk_size)}
        if one_call:
            out["runs"][n]["one_call"] = _bare_pass(engine, cfg, queries, len(queries))
    close_engines()
    return out


def load_avg() -> str:
    """The 1/5/15-minute load average, as ``uptime`` prints it."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def spark_job(cfg_overrides: list[str], model: str, sizes: list[int], work: Path, inflight: list[int]) -> dict:
    from qrw.config import load_config
    from qrw.rewrite.job import run_rewrite
    from qrw.spark import spark_session

    cfg = load_config(None, cfg_overrides)
    spark = spark_session(cfg)
    t = time.perf_counter()
    warm = run_rewrite(cfg, search_log=write_log(spark, str(work / "log_warm"), bench_queries(8)), model=model, table=str(work / "dict_warm"))
    out = {
        "warmup_run_s": round(time.perf_counter() - t, 2),
        "engine_start_s": round(warm["engine_load_seconds"], 2),
        "runs": {},
    }
    for n in sizes:
        log = write_log(spark, str(work / f"log_{n}"), bench_queries(n))
        out["runs"][n] = {}
        for k in inflight:
            run_cfg = load_config(None, [*cfg_overrides, f"rewrite.inflight_chunks={k}"])
            load_before = load_avg()
            with WorkerRss() as rss:
                summary = run_rewrite(run_cfg, search_log=log, model=model, table=str(work / f"dict_{n}_{k}"))
            stage = summary["timings"]["inference_s"]
            tokens = summary["counts"]["gen_tokens"]
            staged = max(1, summary["counts"]["staged"])
            out["runs"][n][k] = {
                "load_avg_before": load_before,
                "load_avg_after": load_avg(),
                "us_per_query_stage": round(stage / staged * 1e6, 1),
                "us_per_query_stage_minus_engine": round((stage - summary["engine_seconds"]) / staged * 1e6, 1),
                "us_per_query_job": round(summary["timings"]["total_s"] / staged * 1e6, 1),
                "peak_python_workers_mb": rss.peak(),
                "inference_stage_s": round(stage, 2),
                "shard_s": round(summary["timings"].get("shard_s", 0.0), 2),
                "job_total_s": round(summary["timings"]["total_s"], 2),
                "engine_busy_s": round(summary["engine_seconds"], 2),
                "engine_load_s_in_run": round(summary["engine_load_seconds"], 2),
                "queries": summary["counts"]["staged"],
                "queries_per_s": round(summary["counts"]["staged"] / stage, 1),
                "gen_tokens": tokens,
                "tokens_per_s": round(tokens / stage, 1),
                "peak_worker_rss_mb": summary["peak_worker_rss_mb"],
                "partitions": len(summary["partitions"]),
            }
    spark.stop()
    return out


def bare_in_subprocess(args, model: str, sizes: list[int], overrides: list[str], work: Path) -> dict:
    """Run :func:`bare` in a fresh process with the environment the Spark inference workers get.

    Why: on CPU the engine's speed depends on its OpenMP setup more than on anything
    else: the thread count (Spark sets ``OMP_NUM_THREADS`` = ``spark.task.cpus`` for
    Python workers; 2 threads on this busy 2-core machine were 8x slower than 1 from
    spin-waiting) and the preloaded runtime (``LD_PRELOAD``, only possible for a fresh
    process; the job's workers get it from ``rewrite.worker_preload``). Bare gets both.
    """
    import subprocess

    from qrw.config import load_config
    from qrw.rewrite.infer import InferSettings
    from qrw.rewrite.workers import worker_env

    cfg = load_config(None, overrides)
    settings = InferSettings.from_config(cfg.engine, cfg.rewrite, model_dir=model, model_version="bench")
    env = {**os.environ, **worker_env(settings, local=True, preload=cfg.rewrite.worker_preload)}
    # Spark gives Python workers OMP_NUM_THREADS = spark.task.cpus (1 here); the engine's
    # thread count matters more than anything else on CPU, so bare gets the same.
    env["OMP_NUM_THREADS"] = cfg.spark.conf.get("spark.task.cpus", "1")
    out = work / "bare.json"
    cmd = [sys.executable, __file__, "--bare-child", str(out), "--model", model, "--sizes", ",".join(map(str, sizes))]
    cmd += ["--kind", args.kind, "--num-candidates", str(args.num_candidates), "--max-new-tokens", str(args.max_new_tokens), "--chunk-size", str(args.chunk_size)]
    cmd += ["--one-call"] if args.one_call else []
    subprocess.run(cmd, env=env, check=True)
    result = json.loads(out.read_text())
    result["runs"] = {int(k): v for k, v in result["runs"].items()}
    result["ld_preload"] = env.get("LD_PRELOAD")
    result["omp_num_threads"] = env["OMP_NUM_THREADS"]
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="200,2000")
    ap.add_argument("--slots", type=int, default=1, help="engines in the Spark job (1 = same compute as bare)")
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--kind", default="vllm", choices=["vllm", "hf", "instant"], help="instant: zero-latency engine, the job's own overhead")
    ap.add_argument("--num-candidates", type=int, default=4)
    ap.add_argument("--max-new-tokens", type=int, default=16)
    ap.add_argument("--chunk-size", type=int, default=512)
    ap.add_argument("--inflight", default="2", help="rewrite.inflight_chunks values to run the Spark job with, e.g. 1,2 (same run, same baseline)")
    ap.add_argument("--one-call", action="store_true", help="also time bare with ONE generate call for all queries")
    ap.add_argument("--no-bare", action="store_true", help="only the Spark job (memory runs)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder (model, logs, tables)")
    ap.add_argument("--json", default=None, help="also write the results here")
    ap.add_argument("--bare-child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--model", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    from qrw.config import load_config
    from qrw.engine.testing import build_tiny_model

    overrides = [
        f"engine.kind={args.kind}",
        f"engine.num_candidates={args.num_candidates}",
        f"engine.max_new_tokens={args.max_new_tokens}",
        f"spark.master={args.master}",
        "spark.shuffle_partitions=2",
        "spark.conf.spark.driver.memory=2g",
        f"rewrite.slots={args.slots}",
        f"rewrite.chunk_size={args.chunk_size}",
        "rewrite.min_users=2",
        "rewrite.min_relevance=0",
        "rewrite.progress=false",
    ]
    if args.bare_child:
        Path(args.bare_child).write_text(json.dumps(bare(load_config(None, overrides), args.model, sizes, args.one_call)))
        return

    work = Path(tempfile.mkdtemp(prefix="qrw-bench-rewrite-"))
    model = "instant" if args.kind == "instant" else build_tiny_model(work / "tiny-qwen2")
    results = {
        "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.python_version()}",
        "settings": {"kind": args.kind, "num_candidates": args.num_candidates, "max_new_tokens": args.max_new_tokens, "slots": args.slots, "master": args.master, "chunk_size": args.chunk_size},
    }
    inflight = [int(k) for k in args.inflight.split(",")]
    results["load_avg_start"] = load_avg()
    if not args.no_bare:
        results["bare"] = bare_in_subprocess(args, model, sizes, overrides, work)
        results["bare"]["load_avg_after"] = load_avg()
    results["spark"] = spark_job(overrides, model, sizes, work, inflight)
    if not args.no_bare:
        for n in sizes:
            b = results["bare"]["runs"][n]["chunked"]
            for k, s in results["spark"]["runs"][n].items():
                results.setdefault("ratio_spark_vs_bare", {}).setdefault(n, {})[k] = round(s["queries_per_s"] / b["queries_per_s"], 3)
    print(json.dumps(results, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    print(markdown(results) if args.kind != "instant" else markdown_overhead(results), file=sys.stderr)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


def markdown(r: dict) -> str:
    lines = [
        "| queries | inflight chunks | bare q/s | bare tok/s | spark stage q/s | spark tok/s | spark/bare | spark job total s | peak worker RSS MiB | engine load in run s | load avg before -> after |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n, by_k in r["spark"]["runs"].items():
        runs = r.get("bare", {}).get("runs", {}).get(n, {})
        b = runs.get("chunked", {})
        for k, s in by_k.items():
            lines.append(
                f"| {n} | {k} | {b.get('queries_per_s', '')} | {b.get('tokens_per_s', '')} | {s['queries_per_s']} | {s['tokens_per_s']} | "
                f"{r.get('ratio_spark_vs_bare', {}).get(n, {}).get(k, '')} | {s['job_total_s']} | {s['peak_worker_rss_mb']} | {s['engine_load_s_in_run']} | "
                f"{s['load_avg_before']} -> {s['load_avg_after']} |"
            )
        if "one_call" in runs:
            o = runs["one_call"]
            lines.append(f"| {n} (bare, ONE call) | | {o['queries_per_s']} | {o['tokens_per_s']} | | | | | | | |")
    bare_start = r.get("bare", {}).get("engine_start_s", "-")
    lines.append(f"\nengine start: bare {bare_start} s, Spark worker {r['spark']['engine_start_s']} s")
    return "\n".join(lines)


def markdown_overhead(r: dict) -> str:
    """The zero-latency table: the job's own cost per query, and worker memory."""
    lines = [
        "| queries | inflight chunks | bare µs/query | stage µs/query | stage minus engine µs/query | job µs/query | inference worker VmHWM MiB | largest Python worker MiB | all Python workers MiB | load avg before -> after |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n, by_k in r["spark"]["runs"].items():
        b = r.get("bare", {}).get("runs", {}).get(n, {}).get("chunked", {})
        for k, s in by_k.items():
            p = s["peak_python_workers_mb"]
            lines.append(
                f"| {n:,} | {k} | {b.get('us_per_query', '')} | {s['us_per_query_stage']} | {s['us_per_query_stage_minus_engine']} | {s['us_per_query_job']} | "
                f"{s['peak_worker_rss_mb']} | {p['max_worker_mb']} | {p['sum_mb']} | {s['load_avg_before']} -> {s['load_avg_after']} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
