"""qrw: LLM query rewriting for e-commerce search.

``qrw.normalize(query)`` is the lookup key shared by every stage (see qrw/normalize.py).
"""

from .normalize import normalize

__all__ = ["normalize"]
__version__ = "0.1.0"
