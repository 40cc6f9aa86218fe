"""The one Spark session factory: embedded ``local[*]`` or a cluster, same code path.

Delta needs its JARs on the driver and executors. Three ways, in order:

1. Under ``spark-submit`` with ``--packages io.delta:delta-spark_4.1_2.13:4.4.0``
   (or ``--jars``), the JARs are already there: we only add the Delta SQL
   extension and catalog.
2. ``spark.delta_jars_dir`` / ``QRW_DELTA_JARS``: a folder of pre-fetched JARs
   (``scripts/fetch_delta_jars.sh``, for clusters without Maven access) -> ``spark.jars``.
3. Otherwise ``delta.configure_spark_with_delta_pip`` resolves them from Maven
   Central with Ivy, cached under ``spark.ivy_dir`` (first start needs the network,
   later starts are offline).
"""

from __future__ import annotations

import glob
import os
import re
import sys
from pathlib import Path

from pyspark.sql import SparkSession

from .config import QrwConfig, SparkSection

DELTA_CONF = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
    # Our tables are written by one job at a time; keep small local runs snappy.
    "spark.databricks.delta.snapshotPartitions": "2",
    "spark.sql.session.timeZone": "UTC",
}


def local_cores(master: str | None) -> int | None:
    """The one test for "is this a local master": task slots of a ``local``/``local[N]``/``local[N,R]``/``local[*]`` master; None for a cluster."""
    if not master:
        return None
    if master == "local":
        return 1
    match = re.fullmatch(r"local\[(\*|\d+)(?:,\s*\d+)?\]", master.strip())
    if not match:
        return None
    return (os.cpu_count() or 1) if match.group(1) == "*" else int(match.group(1))


def _jars_dir(cfg: SparkSection) -> str | None:
    folder = os.environ.get("QRW_DELTA_JARS") or cfg.delta_jars_dir
    if folder and glob.glob(os.path.join(os.path.expanduser(folder), "*.jar")):
        return os.path.expanduser(folder)
    return None


def _under_spark_submit() -> bool:
    return "pyspark.daemon" not in sys.modules and bool(os.environ.get("SPARK_SUBMIT_OPTS") or os.environ.get("PYSPARK_GATEWAY_PORT"))


def spark_session(config: QrwConfig | SparkSection | None = None, **extra_conf: str) -> SparkSession:
    """Get (or create) the session for ``config``; extra properties override the profile."""
    cfg = config.spark if isinstance(config, QrwConfig) else (config or SparkSection())
    active = SparkSession.getActiveSession()
    if active is not None:
        return active

    # Executors must run the same Python as the driver (the project's .venv).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)

    builder = SparkSession.builder.appName(cfg.app_name)
    if cfg.master and not _under_spark_submit():
        builder = builder.master(cfg.master)
    props = {
        **DELTA_CONF,
        "spark.sql.shuffle.partitions": str(cfg.shuffle_partitions),
        "spark.ui.showConsoleProgress": "false",
        **cfg.conf,
        **extra_conf,
    }
    for key, value in props.items():
        builder = builder.config(key, value)

    jars = _jars_dir(cfg)
    if _under_spark_submit():
        pass  # spark-submit --packages/--jars brought Delta
    elif jars:
        builder = builder.config("spark.jars", ",".join(sorted(glob.glob(os.path.join(jars, "*.jar")))))
    elif cfg.resolve_delta_packages:
        from delta import configure_spark_with_delta_pip

        ivy = Path(os.path.expanduser(cfg.ivy_dir))
        ivy.mkdir(parents=True, exist_ok=True)
        builder = configure_spark_with_delta_pip(builder.config("spark.jars.ivy", str(ivy)))

    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel(cfg.log_level)
    return spark
