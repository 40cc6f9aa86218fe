"""get_engine: ONE engine per process, created lazily, reused by every batch and partition.

Why a process-wide cache: the batch job calls ``get_engine`` inside Spark Python
workers (``mapInArrow``); loading a model per batch would cost more than the
inference itself. Spark reuses Python workers (``spark.python.worker.reuse``), so
a module-level cache gives one engine per worker process.

Devices: when Spark scheduled a GPU the task passes the address from
``TaskContext.get().resources()["gpu"].addresses``; it becomes
``CUDA_VISIBLE_DEVICES`` *before* the engine initialises CUDA. CUDA cannot be
re-targeted afterwards, so the cache key is (kind, model_dir, load settings) and a
later task on another address reuses the process's engine (it stays on the
device it was created with; a warning says so). On CPU the address is only
recorded (``engine.device``).

Settings that only shape a call (decoding, temperature, top_p, ...: the fields of
:class:`qrw.config.EngineSection` marked call-time, which each call passes as a
:class:`~qrw.engine.base.Decoding`) are not part of the key: a config that differs
only there gets the same loaded engine, and the engine holds no copy of them.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from ..config import CALL_TIME, EngineSection, marked_fields
from ..errors import QrwError
from ..manifest import read_manifest
from ..relevance_model import is_relevance_model
from .base import Engine

log = logging.getLogger(__name__)

_ENGINES: dict[tuple, Engine] = {}
_LOCK = threading.Lock()


def _key(cfg: EngineSection, model_dir: str) -> tuple:
    load_settings = cfg.model_dump(exclude=set(marked_fields(EngineSection, CALL_TIME)))
    where = model_dir if cfg.kind in ("fake", "instant") else str(Path(model_dir).expanduser().resolve())
    return (cfg.kind, where, repr(sorted(load_settings.items())))


def _pin_device(device: str | None) -> None:
    """Point this process at the GPU Spark gave the task (must run before CUDA starts)."""
    if device is None or device == "":
        return
    current = os.environ.get("CUDA_VISIBLE_DEVICES")
    if current is not None and current != str(device):
        log.info("CUDA_VISIBLE_DEVICES %s -> %s (Spark task resource)", current, device)
    os.environ["CUDA_VISIBLE_DEVICES"] = str(device)


def get_engine(cfg: EngineSection, model_dir: str, device: str | None = None) -> Engine:
    """The process's engine for this model and settings; built on first use.

    ``model_dir`` must hold a model (``config.json``; its ``qrw_model.json`` gives
    ``model_version``) except for ``kind=fake``, where it only names the fake. A
    relevance model (:mod:`qrw.relevance_model`) is served as a scorer only
    (:class:`qrw.engine.relevance.RelevanceScorer`).
    """
    key = _key(cfg, model_dir)
    engine = _ENGINES.get(key)
    if engine is None:
        with _LOCK:
            engine = _ENGINES.get(key)
            if engine is None:
                engine = _create(cfg, model_dir, device)
                _ENGINES[key] = engine
    created_on = getattr(engine, "device", None)
    if getattr(engine, "accelerator", "cpu") != "cpu" and device is not None and created_on not in (None, str(device)):
        log.warning(
            "engine for %s was created on device %s; reusing it for a task given %s "
            "(one engine per process: CUDA cannot switch devices once started)",
            model_dir, created_on, device,
        )
    return engine


def _create(cfg: EngineSection, model_dir: str, device: str | None) -> Engine:
    if model_dir and is_relevance_model(model_dir):  # a scorer only (rewrite.scorer_model), whatever engine.kind says
        from .relevance import RelevanceScorer

        return RelevanceScorer(model_dir, device=device)
    if cfg.kind == "fake":
        from .fake import FakeEngine

        version = FakeEngine().model_version
        if model_dir and (Path(model_dir) / "config.json").exists():
            version = f"fake:{read_manifest(model_dir)['model_version']}"
        return FakeEngine(model_version=version, fail_on=cfg.fake_fail_on, device=device)

    if cfg.kind == "instant":  # zero-latency benchmark engine (qrw/engine/instant.py)
        from .instant import InstantEngine, instant_model_version

        return InstantEngine(model_version=instant_model_version(model_dir), device=device)

    manifest = read_manifest(model_dir)  # raises QrwError for a non-model dir
    model_version = str(manifest["model_version"])
    _pin_device(device)  # before torch/vllm touch CUDA
    if cfg.kind == "vllm":
        from .vllm_engine import VllmEngine

        return VllmEngine(cfg, model_dir, model_version=model_version, device=device)
    if cfg.kind == "hf":
        from .hf_engine import HfEngine

        return HfEngine(cfg, model_dir, model_version=model_version, device=device)
    raise QrwError(f"unknown engine.kind {cfg.kind!r}; use vllm, hf, fake or instant")


def close_engines() -> None:
    """Close and forget every cached engine (end of a local run, test teardown)."""
    with _LOCK:
        engines = list(_ENGINES.values())
        _ENGINES.clear()
    for engine in engines:
        try:
            engine.close()
        except Exception:  # noqa: BLE001 - closing is best effort; never mask the real error
            log.exception("closing %r failed", engine)
