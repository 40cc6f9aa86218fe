"""Engines behind one small interface (see :mod:`qrw.engine.base`); get one with :func:`get_engine`.

Heavy imports (torch, transformers, vllm) happen only when an engine of that kind is built.
"""

from .base import Candidate, Decoding, Engine, EngineError, EngineStats
from .factory import close_engines, get_engine
from .fake import FakeEngine

__all__ = ["Candidate", "Decoding", "Engine", "EngineError", "EngineStats", "FakeEngine", "close_engines", "get_engine"]
