"""Session-wide fixtures: one Spark session (real, with Delta) and the default config."""

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
