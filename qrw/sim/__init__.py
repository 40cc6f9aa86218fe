"""The embedded sample world: a seeded synthetic shop (catalog, search log, relevance
labels) with real lexical gaps, plus hidden ground truth for evaluation.

``generate_world`` is pure Python/numpy/pandas; ``write_world`` writes the tables
with Spark (Delta by default).
"""

from .world import World, describe, generate_world
from .write import write_world

__all__ = ["World", "describe", "generate_world", "write_world"]
