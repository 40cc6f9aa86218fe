"""The inference stage runs in its own pool of Python workers (so its cached engine is never
displaced by CPU UDFs, and a CPU UDF's worker never loads a second engine)."""

from __future__ import annotations

import os

import pyarrow as pa
from pyspark.sql import functions as F

from qrw.config import EngineSection, RewriteSection
from qrw.rewrite.infer import InferSettings
from qrw.rewrite.workers import ENGINE_POOL_ENV, engine_worker_pool


def test_inference_udf_gets_a_dedicated_worker_pool(spark):
    key = ENGINE_POOL_ENV

    def _env_and_pid(batches):  # a local function: pickled by value for the workers
        for batch in batches:
            n = batch.num_rows
            yield pa.RecordBatch.from_pydict({"pool": [os.environ.get(key)] * n, "pid": [os.getpid()] * n})

    sc = spark.sparkContext
    settings = InferSettings.from_config(EngineSection(kind="fake"), RewriteSection(), model_dir="m", model_version="v1")
    df = spark.range(0, 8, numPartitions=2)
    with engine_worker_pool(sc, settings):
        engine_df = df.mapInArrow(_env_and_pid, "pool string, pid long")
    assert ENGINE_POOL_ENV not in sc.environment  # restored for every later UDF
    plain_df = df.mapInArrow(_env_and_pid, "pool string, pid long")

    engine_rows = engine_df.collect()
    plain_rows = plain_df.collect()
    assert {r["pool"] for r in engine_rows} == {"fake:v1"}
    assert {r["pool"] for r in plain_rows} == {None}
    # Different pools never share a process; the engine pool's workers are reused by a second stage.
    assert not {r["pid"] for r in engine_rows} & {r["pid"] for r in plain_rows}
    again = {r["pid"] for r in engine_df.collect()}
    assert again <= {r["pid"] for r in engine_rows}
    assert spark.range(3).select(F.lit(1)).count() == 3
