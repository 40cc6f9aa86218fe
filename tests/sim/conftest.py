"""Sample-world fixtures: one default world (scale 1) shared by the sim tests."""

from __future__ import annotations

import pytest

from qrw.config import SimSection


@pytest.fixture(scope="session")
def sim_cfg() -> SimSection:
    return SimSection()


@pytest.fixture(scope="session")
def world(sim_cfg):
    from qrw.sim import generate_world

    return generate_world(sim_cfg)
