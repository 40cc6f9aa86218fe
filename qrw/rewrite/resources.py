"""Stage-level scheduling: only the inference stage asks for a GPU.

Why: with ``spark.task.resource.gpu.amount`` in the default profile *every* task
(reading the log, aggregating, merging) would need a GPU, so the CPU stages would
run one task per GPU. Instead the default profile only gives executors their GPUs
(``spark.executor.resource.gpu.amount``) and the ``mapInArrow`` stage carries a
:class:`~pyspark.resource.ResourceProfile` asking for ``rewrite.gpus_per_task``
GPUs (and ``rewrite.cpus_per_task`` cores) per task: one task = one engine = one GPU.

Spark accepts a task-only profile on Standalone, YARN and Kubernetes with dynamic
allocation off (tasks run on the default executors); with dynamic allocation on it
also needs executor requests, which we add. ``local[N]`` has no cluster manager
for profiles, so there the profile is skipped (the job still runs, on CPU).
"""

from __future__ import annotations

import logging

from pyspark.resource import ExecutorResourceRequests, ResourceProfile, ResourceProfileBuilder, TaskResourceRequests
from pyspark.sql import SparkSession

from ..config import RewriteSection
from .sharding import local_cores

log = logging.getLogger(__name__)


def inference_profile(spark: SparkSession, cfg: RewriteSection) -> ResourceProfile | None:
    """The ResourceProfile of the inference stage, or None (no GPUs asked for, or a local master)."""
    if not cfg.gpus_per_task and not cfg.cpus_per_task:
        return None
    sc = spark.sparkContext
    if local_cores(sc.master) is not None:
        log.warning("rewrite.gpus_per_task/cpus_per_task ignored on %s: stage-level scheduling needs a cluster manager", sc.master)
        return None
    task = TaskResourceRequests()
    if cfg.cpus_per_task:
        task.cpus(int(cfg.cpus_per_task))
    if cfg.gpus_per_task:
        task.resource("gpu", float(cfg.gpus_per_task))
    builder = ResourceProfileBuilder().require(task)
    conf = sc.getConf()
    if conf.get("spark.dynamicAllocation.enabled", "false").lower() == "true":
        executor = ExecutorResourceRequests()
        if cfg.cpus_per_task:
            executor.cores(int(conf.get("spark.executor.cores", str(cfg.cpus_per_task))))
        if cfg.gpus_per_task:
            executor.resource("gpu", int(float(conf.get("spark.executor.resource.gpu.amount", str(cfg.gpus_per_task)))))
        builder.require(executor)
    return builder.build
