"""The Redis online store against a real redis-server: round trip, atomic switch, clear errors."""

from __future__ import annotations

import json
import socket
import threading
import unicodedata

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qrw.cli import main
from qrw.config import ServeSection
from qrw.errors import QrwError
from qrw.normalize import normalize
from qrw.serve.export import export_redis
from qrw.serve.lookup import lookup
from qrw.serve.publish import publish
from qrw.serve.redis_store import Keys, RedisReader, apply_delta, load_full
from serve_tables import entry, good_rows, write_version

CLI_SET = ["--set", "spark.shuffle_partitions=2"]
RAW_KEYS = ["T-Shirt Damen", "Men's Running Shoes", "2,5l Water Bottle", "Größe 42 Stiefel", "Café Crème", "ｆｕｌｌ width 4k tv", "USB-C & HDMI"]


def _cli(*args):
    return CliRunner().invoke(main, [*args, *CLI_SET], catch_exceptions=False)


@pytest.fixture(scope="module")
def redis_table(spark, cfg, tmp_path_factory):
    """A published dictionary whose keys are normalize()d forms of mixed-script queries (plus the healthy rows)."""
    table = str(tmp_path_factory.mktemp("redis") / "rewrite_dictionary")
    rows = good_rows() + [entry(normalize(q), [(f"{normalize(q)} sale", 0.8, 1.5)], query=q) for q in RAW_KEYS]
    write_version(spark, table, rows)
    publish(cfg.model_copy(deep=True), table=table)
    return table


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- raw variants of a key: case, spacing, punctuation between words, NFKC forms --------------------------

_FULLWIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F) if chr(c).isalnum()}


@st.composite
def raw_variant(draw, key: str) -> str:
    words = key.split(" ")
    out = []
    for w in words:
        chars = []
        for ch in w:
            form = draw(st.sampled_from(["same", "upper", "fullwidth", "nfd"]))
            if form == "upper":
                ch = ch.upper() if ch.upper().casefold() == ch.casefold() else ch
            elif form == "fullwidth":
                ch = _FULLWIDTH.get(ch, ch)
            elif form == "nfd":
                ch = unicodedata.normalize("NFD", ch)
            chars.append(ch)
        out.append("".join(chars))
    seps = st.sampled_from([" ", "  ", "\t", " - ", "-", "/", " | ", "_", "\u3000"])
    text = out[0] + "".join(draw(seps) + w for w in out[1:])
    return draw(st.sampled_from(["", " ", "  ", "¡"])) + text + draw(st.sampled_from(["", "!!", " ?", "...", " \u00a0"]))


def test_redis_round_trip_equals_table_lookup(scfg, redis_table, redis_url, redis_client):
    loaded = _cli("export", "--table", redis_table, "--to", redis_url)
    assert loaded.exit_code == 0, loaded.output
    report = json.loads(loaded.output[loaded.output.index("{"):])
    assert report["decision"] == "loaded" and report["rows"] == 28  # 20 items + the sneaker query + 7 mixed-script keys (the 1-user query is held back)
    reader = RedisReader(redis_url)
    keys = sorted(set(r[0] for r in good_rows()) | {normalize(q) for q in RAW_KEYS})

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.sampled_from(keys).flatmap(lambda k: st.tuples(st.just(k), raw_variant(k))))
    def check(case):
        key, raw = case
        assert normalize(raw) == key, (raw, key)  # the variant really is a variant
        expected = lookup(scfg, table=redis_table, query=raw)
        assert reader.lookup(raw) == expected
        assert (expected is None) == (key == "rare secret query")

    check()

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.text(max_size=40))
    def arbitrary(raw):
        assert reader.lookup(raw) == lookup(scfg, table=redis_table, query=raw)

    arbitrary()
    via_cli = _cli("lookup", "--from", redis_url, "  ADI no-laces!! ")
    assert via_cli.exit_code == 0, via_cli.output
    assert json.loads(via_cli.output) == lookup(scfg, table=redis_table, query="adi no laces")
    assert _cli("lookup", "--from", redis_url, "never searched").output.strip() == "null"


def test_reload_switches_atomically_and_expires_the_old_space(scfg, redis_table, redis_url, redis_client):
    first = export_redis(scfg, table=redis_table, url=redis_url)
    assert first["decision"] == "loaded" and first["previous"] is None
    again = export_redis(scfg, table=redis_table, url=redis_url)  # idempotent
    assert again["decision"] == "unchanged" and again["generation"] == first["generation"]
    forced = export_redis(scfg, table=redis_table, url=redis_url, force=True)
    keys = Keys("qrw")
    assert redis_client.get(keys.live) == forced["generation"] and forced["previous"] == first["generation"]
    assert redis_client.ttl(keys.space(forced["generation"])) == -1  # live: persistent
    assert 0 < redis_client.ttl(keys.space(first["generation"])) <= scfg.serve.redis_grace_s  # old: expiring
    meta = redis_client.hgetall(keys.meta(forced["generation"]))
    assert meta["table"] == redis_table and meta["rows"] == "28" and meta["kind"] == "full"


def test_failed_load_changes_nothing(redis_client, redis_url):
    keys, cfg = Keys("t"), ServeSection(redis_batch=10, redis_pipeline_depth=2)
    done = load_full(redis_client, keys, ((f"k{i}", '{"v": 1}') for i in range(50)), {"table": "t", "dictionary_version": 1}, cfg)

    def broken():
        for i in range(100):
            if i == 60:
                raise RuntimeError("loader killed")
            yield f"k{i}", '{"v": 2}'

    with pytest.raises(RuntimeError, match="loader killed"):
        load_full(redis_client, keys, broken(), {"table": "t", "dictionary_version": 2}, cfg)
    assert redis_client.get(keys.live) == done["generation"]
    assert sorted(redis_client.keys("t:*")) == sorted([keys.live, keys.space(done["generation"]), keys.meta(done["generation"])])
    assert redis_client.hget(keys.space(done["generation"]), "k3") == '{"v": 1}'


def test_readers_never_see_a_half_loaded_or_mixed_dictionary(redis_client, redis_url):
    """A reader thread loops over batched and single lookups while the dictionary is reloaded 6 times."""
    keys, cfg = Keys("qrw"), ServeSection(redis_batch=200, redis_pipeline_depth=4)
    base = [f"query {i}" for i in range(4000)]
    extra = [f"new query {i}" for i in range(500)]  # only in the odd versions

    def items(version: int):
        names = base + (extra if version % 2 else [])
        return ((k, json.dumps({"query": k, "rewrites": [], "model_version": f"m{version}"})) for k in names)

    load_full(redis_client, keys, items(0), {"table": "t", "dictionary_version": 0}, cfg)
    reader = RedisReader(redis_url)
    probe = base[::40] + extra[::25]
    stop, problems, seen = threading.Event(), [], set()

    def read():
        while not stop.is_set():
            gen, records = reader.lookup_many(probe)
            version = int(gen.split("-")[0][1:])
            seen.add(version)
            models = {r["model_version"] for r in records if r is not None}
            missing = [q for q, r in zip(probe, records) if r is None and (q in base or version % 2)]
            present_extra = [q for q, r in zip(probe, records) if r is not None and q in extra and not version % 2]
            if models != {f"m{version}"} or missing or present_extra:
                problems.append((gen, models, missing[:3], present_extra[:3]))
            single = reader.lookup(base[7])
            if single is None:
                problems.append((gen, "single lookup missed"))

    thread = threading.Thread(target=read)
    thread.start()
    try:
        for version in range(1, 7):
            load_full(redis_client, keys, items(version), {"table": "t", "dictionary_version": version}, cfg)
    finally:
        stop.set()
        thread.join()
    assert not problems, problems[:5]
    assert len(seen) >= 2  # the reader really ran across switches
    assert reader.lookup("new query 3") is None and reader.lookup("QUERY 3!")["model_version"] == "m6"


def test_delta_applies_to_a_copy_of_the_live_space(redis_client, redis_url):
    keys, cfg = Keys("qrw"), ServeSection()
    full = load_full(redis_client, keys, [("a", '"a1"'), ("b", '"b1"'), ("c", '"c1"')], {"table": "t", "dictionary_version": 3}, cfg)
    with pytest.raises(QrwError, match="goes from version 2"):
        apply_delta(redis_client, keys, [], [], {"table": "t", "from_version": 2, "dictionary_version": 4}, cfg)
    done = apply_delta(redis_client, keys, [("b", '"b2"'), ("d", '"d2"')], ["c"], {"table": "t", "from_version": 3, "dictionary_version": 4}, cfg)
    live = redis_client.hgetall(keys.space(done["generation"]))
    assert live == {"a": '"a1"', "b": '"b2"', "d": '"d2"'}
    assert redis_client.hgetall(keys.space(full["generation"])) == {"a": '"a1"', "b": '"b1"', "c": '"c1"'}  # untouched, expiring
    assert redis_client.hget(keys.meta(done["generation"]), "kind") == "delta"


def test_unreachable_or_empty_redis_is_a_clear_error(redis_table, redis_url, redis_client):
    dead = f"redis://127.0.0.1:{_free_port()}/0"
    for args in (["lookup", "--from", dead, "x"], ["export", "--table", redis_table, "--to", dead]):
        result = CliRunner().invoke(main, [*args, *CLI_SET])
        assert result.exit_code == 2 and "cannot reach Redis at" in result.output and "Traceback" not in result.output
    empty = CliRunner().invoke(main, ["lookup", "--from", redis_url, "x", *CLI_SET])
    assert empty.exit_code == 2 and "nothing is loaded in Redis" in empty.output
    bad = CliRunner().invoke(main, ["lookup", "--from", "http://localhost", "x", *CLI_SET])
    assert bad.exit_code == 2 and "not a Redis URL" in bad.output
