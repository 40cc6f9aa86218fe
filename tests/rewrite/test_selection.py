"""Query selection on real Spark: aggregation, window, eligibility, segments, incremental skip."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from qrw.config import RewriteSection
from qrw.errors import QrwError
from qrw.io import read_search_log
from qrw.rewrite.selection import select_queries
from qrw.rewrite.writer import ensure_dictionary
from qrw.tables import DICTIONARY_SCHEMA

from .conftest import expected_queries, small_log, write_log

NOW = datetime(2026, 11, 4, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def events(spark, tmp_path_factory):
    path = write_log(spark, tmp_path_factory.mktemp("sel") / "log", small_log())
    return read_search_log(spark, path).valid


def _select(spark, events, table="/nonexistent/dict", **kw):
    sel = select_queries(spark, events, RewriteSection(**kw), table=table, model_version="m1", now=NOW)
    rows = {r["query_norm"]: r.asDict() for r in sel.queries.collect()}
    return sel, rows


def test_distinct_eligible_queries_with_freq_users_and_top_form(spark, events):
    sel, rows = _select(spark, events)
    expected = expected_queries(small_log())
    assert set(rows) == set(expected)
    for key, exp in expected.items():
        assert {k: rows[key][k] for k in exp} == exp, key
    assert rows["running shoes"]["query"] == "Running Shoes" and rows["running shoes"]["query_freq"] == 6
    assert "mens jacket" not in rows and "x" not in rows  # one user / too short
    assert sel.counts["eligible"] == len(expected) == sel.counts["selected"]
    assert sel.counts["ineligible: fewer than 2 distinct users"] == 1
    assert sel.counts["ineligible: shorter than 2 characters"] == 1
    assert sel.window.end.isoformat() == "2026-11-03" and sel.window.start is None
    assert "user_id" not in sel.queries.columns


def test_window_days_and_explicit_date(spark, events):
    _, rows = _select(spark, events, window_days=7)
    assert set(rows) == set(expected_queries(small_log(), since="2026-10-28"))
    assert "winter boots" not in rows and "usb c cable 2m" in rows
    _, rows = _select(spark, events, window_days=2, date="2026-11-02")
    assert set(rows) == set(expected_queries(small_log(), since="2026-11-01", until="2026-11-02"))
    assert "usb c cable 2m" not in rows and "kids toys" in rows
    with pytest.raises(QrwError, match="YYYY-MM-DD"):
        _select(spark, events, date="yesterday")


def test_min_users_and_segments(spark, events):
    _, rows = _select(spark, events, min_users=1)
    assert set(rows) == set(expected_queries(small_log(), min_users=1))
    _, tail = _select(spark, events, segment="tail", tail_max_freq=2)
    assert tail and all(r["query_freq"] <= 2 for r in tail.values())
    _, head = _select(spark, events, segment="head", tail_max_freq=2)
    assert head and all(r["query_freq"] > 2 for r in head.values())
    assert set(tail) | set(head) == set(_select(spark, events)[1]) and not set(tail) & set(head)


def test_incremental_skips_fresh_entries_of_the_same_model_only(spark, events, tmp_path):
    table = str(tmp_path / "dict")
    ensure_dictionary(spark, table)
    fresh, stale = NOW - timedelta(days=1), NOW - timedelta(days=30)
    entries = [
        ("running shoes", "m1", fresh),  # fresh, same model: skipped
        ("cheap nike sneakers", "m1", stale),  # stale: redone
        ("usb c cable 2m", "m0", fresh),  # other model: redone
    ]
    spark.createDataFrame(
        [(k, k, [], 1, mv, "r0", ts, 2) for k, mv, ts in entries], DICTIONARY_SCHEMA
    ).write.format("delta").mode("append").save(table)
    sel, rows = _select(spark, events, table=table)
    all_keys = set(expected_queries(small_log()))
    assert set(rows) == all_keys - {"running shoes"}
    assert sel.counts["skipped_fresh"] == 1 and sel.counts["selected"] == len(all_keys) - 1
    _, rows = _select(spark, events, table=table, ttl_days=0.5)  # nothing is fresh any more
    assert set(rows) == all_keys
    _, rows = _select(spark, events, table=table, incremental=False)
    assert set(rows) == all_keys
