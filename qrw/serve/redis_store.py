"""The Redis online store: versioned key spaces behind one atomically switched live pointer.

Layout under a namespace ``NS`` (``serve.redis_namespace``, default ``qrw``):

``NS:live``            string: the live generation id ``GEN``
``NS:gen:GEN``         hash: ``query_norm`` -> the export-format JSON line of that key
``NS:meta:GEN``        hash: what the generation holds (table, dictionary_version, rows, sha256, ...)

A load never touches the live space: it fills a fresh ``NS:gen:GEN`` (pipelined
``HSET`` of ``serve.redis_batch`` fields, ``serve.redis_pipeline_depth`` commands
per round trip; the space carries a TTL while loading, so a killed loader leaves
nothing for good), checks its size, then in one ``MULTI``/``EXEC`` points
``NS:live`` at it, makes it persistent and sets the previous space to expire after
``serve.redis_grace_s``. A delta (``qrw export --since-version``) is applied the
same way to a server-side ``COPY`` of the live space. Readers therefore see the
old dictionary or the new one, never a half-loaded or mixed one.

Read protocol (docs/contracts.md): look up ``normalize(raw_query)``; either run
:data:`READ_SCRIPT` (pointer and fields read atomically, one round trip) or
``GET NS:live`` then ``HGET NS:gen:<that> key`` (safe for ``redis_grace_s``).
:class:`RedisReader` is the reference reader.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlparse

from ..config import ServeSection
from ..errors import QrwError
from ..normalize import normalize

#: Atomic read: KEYS[1] = NS:live, ARGV[1] = "NS:gen:", ARGV[2..] = keys. Returns {gen, value-or-nil, ...} or nil.
READ_SCRIPT = """
local gen = redis.call('GET', KEYS[1])
if not gen then return false end
local space = ARGV[1] .. gen
local out = {gen}
for i = 2, #ARGV do
  out[i] = redis.call('HGET', space, ARGV[i])
end
return out
"""


def is_redis_url(target: str | None) -> bool:
    return bool(target) and urlparse(target).scheme in ("redis", "rediss", "unix")


@dataclass(frozen=True)
class Keys:
    """The key names of one namespace (the read protocol's only constants)."""

    namespace: str

    @property
    def live(self) -> str:
        return f"{self.namespace}:live"

    @property
    def gen_prefix(self) -> str:
        return f"{self.namespace}:gen:"

    def space(self, gen: str) -> str:
        return f"{self.namespace}:gen:{gen}"

    def meta(self, gen: str) -> str:
        return f"{self.namespace}:meta:{gen}"


def connect(url: str, timeout_s: float = 5.0):
    """A redis-py client for ``url`` that answered PING; a clear QrwError when it cannot be reached."""
    import redis

    if not is_redis_url(url):
        raise QrwError(f"{url!r} is not a Redis URL: use redis://HOST:PORT[/DB]")
    try:
        client = redis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s, decode_responses=True)
        client.ping()
    except ValueError as exc:
        raise QrwError(f"bad Redis URL {url!r}: {exc}") from None
    except redis.exceptions.RedisError as exc:
        raise QrwError(f"cannot reach Redis at {url} ({type(exc).__name__}: {exc}); is redis-server running there?") from None
    return client


def _redis_errors():
    import redis

    return redis.exceptions.RedisError


def new_generation(dictionary_version: int) -> str:
    """Sortable, unique per load: version, UTC milliseconds, a random suffix."""
    return f"v{int(dictionary_version)}-{int(time.time() * 1000)}-{secrets.token_hex(3)}"


def live_meta(client, keys: Keys) -> dict | None:
    """What the live generation holds (its meta hash plus ``generation``), or None when nothing is live."""
    gen = client.get(keys.live)
    if gen is None:
        return None
    meta = client.hgetall(keys.meta(gen))
    return {**meta, "generation": gen}


def _batched(items: Iterable[tuple[str, str]], size: int) -> Iterator[dict[str, str]]:
    buf: dict[str, str] = {}
    for key, value in items:
        buf[key] = value
        if len(buf) >= size:
            yield buf
            buf = {}
    if buf:
        yield buf


def _fill(client, space: str, upserts: Iterable[tuple[str, str]], cfg: ServeSection, deletes: Iterable[str] = ()) -> dict:
    """Pipelined HSET (and HDEL) into ``space``; the space keeps a loading TTL until the switch."""
    stats = {"upserts": 0, "deletes": 0, "round_trips": 0}
    pipe = client.pipeline(transaction=False)
    pending = 0

    def flush():
        nonlocal pending
        if pending:
            pipe.execute()
            stats["round_trips"] += 1
            pending = 0

    for batch in _batched(upserts, cfg.redis_batch):
        pipe.hset(space, mapping=batch)
        pipe.expire(space, cfg.redis_loading_ttl_s)
        stats["upserts"] += len(batch)
        pending += 1
        if pending >= cfg.redis_pipeline_depth:
            flush()
    batch_keys: list[str] = []
    for key in deletes:
        batch_keys.append(key)
        if len(batch_keys) >= cfg.redis_batch:
            pipe.hdel(space, *batch_keys)
            stats["deletes"] += len(batch_keys)
            batch_keys = []
            pending += 1
            if pending >= cfg.redis_pipeline_depth:
                flush()
    if batch_keys:
        pipe.hdel(space, *batch_keys)
        stats["deletes"] += len(batch_keys)
        pending += 1
    flush()
    return stats


def _switch(client, keys: Keys, gen: str, meta: dict, expect_live: str | None, cfg: ServeSection) -> str | None:
    """One MULTI/EXEC: live -> gen, gen persistent, previous space expiring. Refuses if the pointer moved meanwhile."""
    import redis

    with client.pipeline() as pipe:
        try:
            pipe.watch(keys.live)
            old = pipe.get(keys.live)
            if old != expect_live:
                raise QrwError(
                    f"the live pointer {keys.live} moved from {expect_live} to {old} while this load ran "
                    "(another loader?); nothing was switched: rerun the export"
                )
            pipe.multi()
            pipe.hset(keys.meta(gen), mapping={k: ("" if v is None else str(v)) for k, v in meta.items()})
            pipe.persist(keys.space(gen))
            pipe.persist(keys.meta(gen))
            pipe.set(keys.live, gen)
            if old is not None:
                pipe.expire(keys.space(old), cfg.redis_grace_s)
                pipe.expire(keys.meta(old), cfg.redis_grace_s)
            pipe.execute()
        except redis.exceptions.WatchError:
            raise QrwError(f"the live pointer {keys.live} changed during the switch (another loader?); nothing was switched: rerun") from None
    return old


def _discard(client, keys: Keys, gen: str) -> None:
    try:
        client.unlink(keys.space(gen), keys.meta(gen))
    except _redis_errors():
        pass  # the loading TTL removes it anyway


def load_full(client, keys: Keys, items: Iterable[tuple[str, str]], meta: dict, cfg: ServeSection) -> dict:
    """Load ``(query_norm, json line)`` pairs as a new generation and switch to it; returns the load report."""
    expect = client.get(keys.live)
    gen = new_generation(int(meta["dictionary_version"]))
    t0 = time.perf_counter()
    try:
        stats = _fill(client, keys.space(gen), items, cfg)
        held = client.hlen(keys.space(gen))
        if held != stats["upserts"]:
            raise QrwError(f"Redis holds {held} keys in {keys.space(gen)} after loading {stats['upserts']}: duplicate keys in the input? nothing was switched")
        load_s = time.perf_counter() - t0
        full_meta = {**meta, "kind": "full", "rows": held, "loaded_at": datetime.now(timezone.utc).isoformat()}
        previous = _switch(client, keys, gen, full_meta, expect, cfg)
    except BaseException:
        _discard(client, keys, gen)
        raise
    return {"generation": gen, "previous": previous, "rows": held, "load_s": load_s, "keys_per_s": (held / load_s) if load_s else None, **stats}


def apply_delta(client, keys: Keys, upserts: Iterable[tuple[str, str]], deletes: Iterable[str], meta: dict, cfg: ServeSection) -> dict:
    """Apply a change feed to a server-side copy of the live space, then switch to the copy.

    The live generation must hold exactly ``meta["from_version"]`` of the same table;
    otherwise a delta would be applied to the wrong base, so it is refused (do a full load).
    """
    live = live_meta(client, keys)
    if live is None:
        raise QrwError(f"nothing is live under {keys.live}: load the full dictionary first (qrw export --to redis://...)")
    if live.get("table") != str(meta["table"]) or live.get("dictionary_version") != str(meta["from_version"]):
        raise QrwError(
            f"Redis serves version {live.get('dictionary_version')} of {live.get('table')}, but this delta goes from version "
            f"{meta['from_version']} of {meta['table']}: export --since-version {live.get('dictionary_version')}, or load in full"
        )
    gen = new_generation(int(meta["dictionary_version"]))
    t0 = time.perf_counter()
    try:
        client.copy(keys.space(live["generation"]), keys.space(gen))
        client.expire(keys.space(gen), cfg.redis_loading_ttl_s)
        stats = _fill(client, keys.space(gen), upserts, cfg, deletes)
        held = client.hlen(keys.space(gen))
        full_meta = {**meta, "kind": "delta", "rows": held, "loaded_at": datetime.now(timezone.utc).isoformat()}
        previous = _switch(client, keys, gen, full_meta, live["generation"], cfg)
    except BaseException:
        _discard(client, keys, gen)
        raise
    return {"generation": gen, "previous": previous, "rows": held, "load_s": time.perf_counter() - t0, **stats}


class RedisReader:
    """The reference reader: ``normalize`` then the atomic read script; records are export-format dicts.

    One instance per process (it holds a connection pool); thread-safe like redis-py's client.
    """

    def __init__(self, url: str, namespace: str = "qrw", timeout_s: float = 5.0):
        self.url = url
        self.keys = Keys(namespace)
        self.client = connect(url, timeout_s)
        self._script = self.client.register_script(READ_SCRIPT)

    def _read(self, norms: list[str]) -> tuple[str, list[str | None]]:
        try:
            out = self._script(keys=[self.keys.live], args=[self.keys.gen_prefix, *norms])
        except _redis_errors() as exc:
            raise QrwError(f"Redis at {self.url} failed a lookup ({type(exc).__name__}: {exc})") from None
        if not out:
            raise QrwError(
                f"nothing is loaded in Redis at {self.url} under {self.keys.live}: "
                "run `qrw export --table T --to " + self.url + "` first"
            )
        values = list(out[1:]) + [None] * (len(norms) - (len(out) - 1))
        return out[0], values

    def lookup_many(self, queries: list[str]) -> tuple[str, list[dict | None]]:
        """(generation, one record or None per raw query), all read from the same generation."""
        norms = [normalize(q) for q in queries]
        gen, values = self._read(norms)
        return gen, [json.loads(v) if v else None for v in values]

    def lookup(self, query: str) -> dict | None:
        """The export-format record for ``normalize(query)`` in the live generation, or None."""
        return self.lookup_many([query])[1][0]

    def live(self) -> dict | None:
        return live_meta(self.client, self.keys)
