"""Fixtures for the serving tests (helpers live in serve_tables.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def scfg(cfg):
    """A per-test copy of the session config (tests change serve thresholds)."""
    from qrw.serve import lookup

    lookup.clear_cache()
    return cfg.model_copy(deep=True)


@pytest.fixture
def table(tmp_path):
    return str(tmp_path / "rewrite_dictionary")
