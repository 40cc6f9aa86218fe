"""Session-wide fixtures: one Spark session (real, with Delta), the default config, the sample world's data job."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("OMP_NUM_THREADS", "2")


@pytest.fixture(scope="session")
def cfg():
    from qrw.config import load_config

    return load_config(None, ["spark.shuffle_partitions=2", "spark.conf.spark.driver.memory=2g"])


@pytest.fixture(scope="session")
def spark(cfg):
    from qrw.spark import spark_session

    session = spark_session(cfg)
    yield session
    session.stop()


@pytest.fixture(scope="session")
def standalone_master(tmp_path_factory):
    """A real standalone master + two workers on 127.0.0.1, each advertising one fake GPU.

    Yields the ``spark://`` URL. Jobs connect from a subprocess (``qrw ... --set
    spark.master=URL``), since this test process already owns a local SparkContext.
    """
    from qrw.standalone import StandaloneCluster

    cluster = StandaloneCluster(workers=2, workdir=str(tmp_path_factory.mktemp("standalone")))
    url = cluster.start()
    yield url
    cluster.stop()


@pytest.fixture(scope="session")
def sample_world_built(spark, cfg, tmp_path_factory):
    """The sample world with 600 users (~6k events, ~800 distinct queries) through the real training-data job.

    Built once per session: the mining floors (tests/data) and the leakage audit (tests/train)
    read the same run. Yields a namespace: world, paths (its Delta inputs), out (the job's
    output folder), summary, folder (scratch space beside them).
    """
    from types import SimpleNamespace

    from qrw.data.job import build_training_data
    from qrw.sim import generate_world, write_world

    world = generate_world(cfg.sim.model_copy(update={"users": 600}))
    folder = tmp_path_factory.mktemp("sample_world")
    paths = write_world(spark, world, str(folder / "world"), fmt="delta")
    out = folder / "data"
    summary = build_training_data(cfg, search_log=paths["search_log"], catalog=paths["catalog"], labels=paths["relevance_labels"], out=str(out), fmt=None)
    return SimpleNamespace(world=world, paths=paths, out=out, summary=summary, folder=folder)
