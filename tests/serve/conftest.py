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


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A real redis-server on 127.0.0.1 and a free port for the whole session (no persistence); stopped at the end."""
    from qrw.errors import QrwError
    from qrw.serve.redis_local import local_redis

    try:
        ctx = local_redis(str(tmp_path_factory.mktemp("redis")))
        url = ctx.__enter__()
    except QrwError as exc:
        pytest.fail(str(exc))
    yield url
    ctx.__exit__(None, None, None)


@pytest.fixture
def redis_client(redis_url):
    """A client on a flushed database (each test starts empty)."""
    import redis

    client = redis.Redis.from_url(redis_url, decode_responses=True)
    client.flushdb()
    yield client
    client.close()
