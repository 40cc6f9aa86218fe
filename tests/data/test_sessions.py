"""Sessionization on a few hand-made events: gaps, session ids, attribution of query-less events."""

from __future__ import annotations

from datetime import datetime, timedelta

from pyspark.sql import functions as F

from qrw.data.sessions import sessionize

T0 = datetime(2026, 11, 2, 9, 0, 0)
SCHEMA = "event_time timestamp, user_id string, session_id string, query string, event_type string, product_id string, position int, query_norm string"


def _ev(minutes, user, etype, query=None, product=None, sid=None):
    norm = None if query is None else query.lower()
    return (T0 + timedelta(minutes=minutes), user, sid, query, etype, product, None, norm)


def test_gap_cuts_sessions_and_clicks_follow_their_search(spark):
    rows = [
        _ev(0, "u1", "search", "Red Shoes"),
        _ev(1, "u1", "click", product="p1"),  # no query: belongs to "red shoes"
        _ev(2, "u1", "search", "running shoes"),
        _ev(3, "u1", "order", product="p2"),  # belongs to "running shoes"
        _ev(40, "u1", "click", product="p3"),  # 37 min later: a new session, no search before it
        _ev(41, "u1", "search", "boots"),
        _ev(42, "u1", "click", "boots", "p4"),  # carries its own query
        _ev(0, "u2", "click", product="p9", sid="A"),  # session ids win over the gap rule
        _ev(0, "u2", "search", "tv", sid="A"),  # same timestamp: the search comes first
        _ev(90, "u2", "click", product="p8", sid="A"),  # 90 min later, still session A
    ]
    out = sessionize(spark.createDataFrame(rows, SCHEMA), gap_minutes=30).orderBy("user_id", "event_time", "rank").collect()
    u1 = [r for r in out if r["user_id"] == "u1"]
    assert [r["query_norm"] for r in u1] == ["red shoes", "red shoes", "running shoes", "running shoes", None, "boots", "boots"]
    assert [r["search_seq"] for r in u1] == [1, 1, 2, 2, 0, 1, 1]
    assert len({r["session"] for r in u1[:4]}) == 1 and u1[4]["session"] != u1[0]["session"]
    u2 = [r for r in out if r["user_id"] == "u2"]
    assert [r["event_type"] for r in u2] == ["search", "click", "click"]
    assert [r["query_norm"] for r in u2] == ["tv", "tv", "tv"]
    assert len({r["session"] for r in u2}) == 1


def test_session_key_is_opaque(spark):
    rows = [_ev(0, "alice@example.com", "search", "tv", sid="secret-session")]
    out = sessionize(spark.createDataFrame(rows, SCHEMA), gap_minutes=30)
    assert dict(out.dtypes)["session"] == "bigint"
    assert out.where(F.col("session").cast("string").contains("alice")).count() == 0
