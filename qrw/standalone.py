"""A real Spark standalone cluster on 127.0.0.1: one master and N workers.

For tests and for trying the cluster path on a laptop (``scripts/standalone_cluster.py``).
Workers can advertise fake ``gpu`` resources through a discovery script, so
GPU scheduling (resource profiles, one task per GPU slot, the address a task
gets) runs for real on CPU-only machines. Worker ``i`` advertises addresses
``[i * gpus_per_worker, ...]``, so the two workers' tasks see different devices.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import QrwError


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _spark_home() -> str:
    from pyspark.find_spark_home import _find_spark_home

    return _find_spark_home()


@dataclass
class StandaloneCluster:
    workers: int = 2
    cores_per_worker: int = 1
    memory_per_worker: str = "1g"
    gpus_per_worker: int = 1
    workdir: str | None = None
    master_url: str = ""
    _procs: list[subprocess.Popen] = field(default_factory=list)

    def start(self, timeout: float = 90.0) -> str:
        work = Path(self.workdir or tempfile.mkdtemp(prefix="qrw-standalone-"))
        work.mkdir(parents=True, exist_ok=True)
        spark_class = os.path.join(_spark_home(), "bin", "spark-class")
        env = {**os.environ, "SPARK_HOME": _spark_home(), "PYSPARK_PYTHON": sys.executable, "SPARK_NO_DAEMONIZE": "1"}
        port = _free_port()
        self.master_url = f"spark://127.0.0.1:{port}"
        self._spawn(
            [spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(port), "--webui-port", str(_free_port())],
            env,
            work / "master.log",
        )
        for i in range(self.workers):
            opts = []
            if self.gpus_per_worker:
                script = work / f"gpu_discovery_{i}.sh"
                addresses = [str(i * self.gpus_per_worker + k) for k in range(self.gpus_per_worker)]
                script.write_text(f"#!/bin/sh\necho '{json.dumps({'name': 'gpu', 'addresses': addresses})}'\n")
                script.chmod(0o755)
                opts = [
                    f"-Dspark.worker.resource.gpu.amount={self.gpus_per_worker}",
                    f"-Dspark.worker.resource.gpu.discoveryScript={script}",
                ]
            worker_env = {**env, "SPARK_WORKER_OPTS": " ".join(opts), "SPARK_WORKER_DIR": str(work / f"worker{i}")}
            self._spawn(
                [
                    spark_class, "org.apache.spark.deploy.worker.Worker", self.master_url,
                    "--host", "127.0.0.1", "--cores", str(self.cores_per_worker), "--memory", self.memory_per_worker,
                    "--webui-port", str(_free_port()), "--work-dir", str(work / f"worker{i}"),
                ],
                worker_env,
                work / f"worker{i}.log",
            )
        self._wait_for_workers(work, timeout)
        return self.master_url

    def _spawn(self, cmd: list[str], env: dict, log: Path) -> None:
        fh = open(log, "wb")
        self._procs.append(subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True))

    def _wait_for_workers(self, work: Path, timeout: float) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            registered = sum(
                "Successfully registered with master" in (work / f"worker{i}.log").read_text(errors="replace")
                for i in range(self.workers)
                if (work / f"worker{i}.log").exists()
            )
            if registered == self.workers:
                return
            if any(p.poll() is not None for p in self._procs):
                break
            time.sleep(0.5)
        self.stop()
        raise QrwError(f"standalone cluster did not come up within {timeout:.0f}s; logs in {work}")

    def stop(self) -> None:
        for proc in reversed(self._procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in self._procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        self._procs.clear()

    def __enter__(self) -> "StandaloneCluster":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def executor_conf(gpus_per_task: int = 1, cores: int = 1, memory: str = "768m") -> dict[str, str]:
    """Spark properties for one executor per worker and one task per (fake) GPU."""
    conf = {
        "spark.executor.cores": str(cores),
        "spark.executor.memory": memory,
        "spark.task.cpus": "1",
        "spark.cores.max": "64",
    }
    if gpus_per_task:
        conf["spark.executor.resource.gpu.amount"] = str(gpus_per_task)
        conf["spark.task.resource.gpu.amount"] = str(gpus_per_task)
    return conf
