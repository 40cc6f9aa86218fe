"""Reading the input contracts (search_log, catalog, relevance_labels) and writing rejects."""

from .formats import detect_format, read_table
from .readers import Loaded, read_catalog, read_labels, read_search_log
from .rejects import write_rejects

__all__ = ["Loaded", "detect_format", "read_catalog", "read_labels", "read_search_log", "read_table", "write_rejects"]
