"""One partition per engine slot, balanced by expected tokens.

Why: each inference task loads (or reuses) one engine and feeds it its whole
partition in large batches, so the job is as fast as its slowest slot. More
partitions than slots would only queue behind busy engines; fewer would leave
GPUs idle. Queries are sorted by expected prompt tokens and dealt out in a
"snake" (0,1,..,S-1,S-1,..,1,0,...), so every slot gets the same number of
queries (+-1) and nearly the same number of tokens. Partition ``i`` holds
exactly slot ``i`` (an identity partitioner; a hash partitioner could put two
slots on one engine and leave another idle).
"""

from __future__ import annotations

import time

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.window import Window

from ..config import RewriteSection
from ..prompts import MAX_QUERY_CHARS
from ..spark import local_cores

#: Rough characters per token of the prompt's query part (only the ordering matters).
CHARS_PER_TOKEN = 4
ARROW_BATCH_CONF = "spark.sql.execution.arrow.maxRecordsPerBatch"


def _executor_count(spark: SparkSession, wait_s: float = 30.0) -> int:
    """Registered executors (the driver excluded); waits briefly for a cluster that is still starting."""
    sc = spark.sparkContext
    deadline = time.time() + wait_s
    while True:
        count = sc._jsc.sc().getExecutorMemoryStatus().size() - 1
        if count > 0 or time.time() > deadline:
            return max(0, count)
        time.sleep(0.5)


def engine_slots(spark: SparkSession, cfg: RewriteSection) -> int:
    """``rewrite.slots``, else local[N] -> N, else executors x (GPUs per executor / GPUs per task), else cores / task.cpus."""
    if cfg.slots:
        return int(cfg.slots)
    sc = spark.sparkContext
    local = local_cores(sc.master)
    if local:
        return local
    conf = sc.getConf()
    executor_gpus = float(conf.get("spark.executor.resource.gpu.amount", "0") or 0)
    task_gpus = float(cfg.gpus_per_task or conf.get("spark.task.resource.gpu.amount", "0") or 0)
    if executor_gpus > 0 and task_gpus > 0:
        executors = _executor_count(spark)
        if executors:
            return max(1, executors * int(executor_gpus // task_gpus))
    task_cpus = int(cfg.cpus_per_task or conf.get("spark.task.cpus", "1") or 1)
    return max(1, sc.defaultParallelism // max(1, task_cpus))


def expected_tokens(query_col: str = "query_norm"):
    """Prompt tokens of the query part; the template and generation budget are the same for every query."""
    return (F.ceil(F.length(F.substring(F.col(query_col), 1, MAX_QUERY_CHARS)) / CHARS_PER_TOKEN) + 1).cast("long")


def snake_slot(rank: int, slots: int) -> int:
    """Slot of the ``rank``-th heaviest query (0-based): 0..S-1 then S-1..0, repeated."""
    block, pos = divmod(rank, slots)
    return pos if block % 2 == 0 else slots - 1 - pos


def assign_slots(queries: DataFrame, slots: int) -> DataFrame:
    """Add ``expected_tokens`` and ``slot``; deterministic (ties broken by query_norm), so a retry or rerun shards alike.

    The global sort runs on one partition: fine for the distinct queries of a night
    (short strings, millions at most), and it keeps the deal exact.
    """
    order = Window.orderBy(F.col("expected_tokens").desc(), F.col("query_norm"))
    rank = F.row_number().over(order) - 1
    block, pos = F.floor(rank / slots), F.pmod(rank, F.lit(slots))
    slot = F.when(F.pmod(block, F.lit(2)) == 0, pos).otherwise(F.lit(slots - 1) - pos).cast("int")
    return queries.withColumn("expected_tokens", expected_tokens()).withColumn("slot", slot)


def slot_balance(assigned: DataFrame) -> dict:
    """Queries and expected tokens per slot, and max/mean of tokens (1.0 = perfect balance)."""
    rows = assigned.groupBy("slot").agg(F.count(F.lit(1)).alias("queries"), F.sum("expected_tokens").alias("tokens")).collect()
    per_slot = {int(r["slot"]): {"queries": int(r["queries"]), "tokens": int(r["tokens"])} for r in rows}
    tokens = [v["tokens"] for v in per_slot.values()]
    mean = sum(tokens) / len(tokens) if tokens else 0.0
    return {"per_slot": per_slot, "token_imbalance": (max(tokens) / mean) if mean else 1.0}


def shard(spark: SparkSession, assigned: DataFrame, slots: int, columns: list[str]) -> DataFrame:
    """Exactly ``slots`` partitions, partition i = slot i (an identity partitioner on the RDD)."""
    schema = assigned.select(*columns).schema
    pairs = assigned.select("slot", *columns).rdd.map(lambda row: (int(row[0]), tuple(row[1:])))
    partitioned = pairs.partitionBy(slots, lambda slot: slot).values()
    return spark.createDataFrame(partitioned, schema)


def set_arrow_batch_size(spark: SparkSession, records: int) -> None:
    """Records per Arrow batch fed to the inference function (a runtime SQL conf)."""
    spark.conf.set(ARROW_BATCH_CONF, str(int(records)))
