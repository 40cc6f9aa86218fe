"""Smoke-test a cluster before the nightly job: every executor runs Python, reads and writes Delta,
and (when GPUs are scheduled) each task sees its own GPU address.

    spark-submit --packages io.delta:delta-spark_4.1_2.13:4.4.0 jobs/cluster_smoke.py --out hdfs:///tmp/qrw_smoke
    python jobs/cluster_smoke.py --master spark://127.0.0.1:7077 --out /tmp/qrw_smoke   # e.g. scripts/standalone_cluster.py

Prints one JSON object: executors seen, GPU addresses per task, rows written and read back.
"""

from __future__ import annotations

import json
import os
import socket

import click


def _executor_name() -> str:
    """Python workers run in their executor's work dir (<worker>/<app>/<executor id>) on standalone."""
    cwd = os.getcwd()
    return f"{socket.gethostname()}:{cwd}"


def _task_info(rows):
    from pyspark import TaskContext

    ctx = TaskContext.get()
    gpu = ctx.resources().get("gpu")
    for row in rows:
        yield (
            row.id,
            ctx.partitionId(),
            _executor_name(),
            ",".join(gpu.addresses) if gpu else "",
            os.getpid(),
        )


@click.command()
@click.option("--master", default=None, help="Spark master URL (omit under spark-submit).")
@click.option("--out", required=True, help="Delta path to write and read back.")
@click.option("--gpus-per-task", type=int, default=0)
@click.option("--partitions", type=int, default=4)
def main(master: str | None, out: str, gpus_per_task: int, partitions: int) -> None:
    from qrw.config import load_config
    from qrw.spark import spark_session
    from qrw.standalone import executor_conf

    overrides = [f"spark.master={master}"] if master else ["spark.master=null"]
    cfg = load_config(None, overrides)
    extra = executor_conf(gpus_per_task=gpus_per_task) if master and master.startswith("spark://") else {}
    spark = spark_session(cfg, **extra)
    rdd = spark.range(0, 400, numPartitions=partitions).rdd.mapPartitions(_task_info)
    df = spark.createDataFrame(rdd, "id long, partition int, executor string, gpu string, pid int")
    df.write.format("delta").mode("overwrite").save(out)
    back = spark.read.format("delta").load(out)
    summary = {
        "rows_written": back.count(),
        "executors": sorted({r["executor"] for r in back.select("executor").distinct().collect()}),
        "gpu_by_partition": {r["partition"]: r["gpu"] for r in back.select("partition", "gpu").distinct().collect()},
        "delta_version": spark.sql(f"DESCRIBE HISTORY delta.`{out}`").agg({"version": "max"}).first()[0],
    }
    print(json.dumps(summary))
    spark.stop()


if __name__ == "__main__":
    main()
