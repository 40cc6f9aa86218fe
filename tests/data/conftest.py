"""Fixtures for the training-data job: the hand-made shop (CSV) and the sample world (Delta), each built once."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import handmade  # noqa: E402
from data_helpers import Built  # noqa: E402


@pytest.fixture(scope="session")
def handmade_inputs(tmp_path_factory) -> dict:
    """The hand-made log and catalog as CSV, with a few contract-breaking rows in each."""
    folder = tmp_path_factory.mktemp("handmade")
    return {
        "search_log": handmade.write_csv(handmade.search_log_frame(with_bad_rows=True), folder / "search_log.csv"),
        "catalog": handmade.write_csv(handmade.catalog_frame(with_bad_rows=True), folder / "catalog.csv"),
    }


@pytest.fixture(scope="session")
def data_cfg(cfg):
    """The session config with the optional catalog-derived targets and the job-side task mix on (the hand-made tests cover them)."""
    return cfg.model_copy(update={"data": cfg.data.model_copy(update={"catalog_targets": True, "relevance_task_share": 0.5})})


@pytest.fixture(scope="session")
def handmade_built(spark, data_cfg, handmade_inputs, tmp_path_factory) -> Built:
    from qrw.data.job import build_training_data

    out = tmp_path_factory.mktemp("handmade_out")
    summary = build_training_data(data_cfg, labels=None, out=str(out), fmt=None, **handmade_inputs)
    return Built(inputs=handmade_inputs, out=out, summary=summary)
