"""distinct_users over a window across runs (issue #14): per-(query, day) HLL sketches, no user ids stored."""

from __future__ import annotations

from datetime import date, datetime, timezone

from qrw.config import RewriteSection
from qrw.io import read_search_log
from qrw.rewrite.job import run_rewrite
from qrw.rewrite.selection import SKETCH_COLUMNS, record_user_sketches, select_queries, user_sketches_path

from .conftest import make_cfg, read_dictionary, search, write_log

NOW = datetime(2026, 11, 3, 12, 0, tzinfo=timezone.utc)


def _day(day: str, users_by_query: dict[str, tuple[str, ...]]) -> list[tuple]:
    return [search(q, u, day=day) for q, users in users_by_query.items() for u in users]


DAY1 = _day("2026-11-01", {"trail running shoes": ("u1", "u2"), "blue kettle": ("u1", "u2", "u3"), "wool socks": ("u4",)})
DAY2 = _day("2026-11-02", {"trail running shoes": ("u2", "u3"), "wool socks": ("u5",), "desk lamp": ("u6", "u7")})


def test_users_accumulate_across_runs_over_disjoint_days(spark, tmp_path):
    table = str(tmp_path / "dict")
    log1, log2 = write_log(spark, tmp_path / "day1", DAY1), write_log(spark, tmp_path / "day2", DAY2)
    cfg = make_cfg("rewrite.min_users=3")

    run_rewrite(cfg, search_log=log1, model="fake", table=table)
    got = read_dictionary(spark, table)
    assert set(got) == {"blue kettle"}  # trail running shoes: 2 users on day 1 alone

    second = run_rewrite(cfg, search_log=log2, model="fake", table=table)
    got = read_dictionary(spark, table)
    # 2 users on day 2 alone, {u1, u2, u3} over both days: eligible now, counted once per user.
    assert got["trail running shoes"]["distinct_users"] == 3
    assert got["trail running shoes"]["query_freq"] == 2  # searches: tonight's window only
    assert "wool socks" not in got and "desk lamp" not in got  # 2 users over both days
    assert got["blue kettle"]["distinct_users"] == 3  # not re-inferred: yesterday's entry kept
    assert second["counts"]["ineligible: fewer than 3 distinct users"] == 2

    side = spark.read.format("delta").load(user_sketches_path(table))
    assert side.columns == SKETCH_COLUMNS  # no user_id column anywhere
    assert side.count() == len({(r[3], r[0][:10]) for r in DAY1 + DAY2})
    for row in side.collect():
        assert not any(u.encode() in bytes(row["users_sketch"]) for u in ("u1", "u2", "u3", "u4", "u5", "u6", "u7"))

    # A forced rerun of night 2 counts nobody twice (sketch unions are idempotent).
    before = {(r["query_norm"], r["day"]): bytes(r["users_sketch"]) for r in side.collect()}
    run_rewrite(make_cfg("rewrite.min_users=3", "rewrite.force=true", "rewrite.incremental=false"), search_log=log2, model="fake", table=table)
    assert read_dictionary(spark, table)["trail running shoes"]["distinct_users"] == 3
    after = {(r["query_norm"], r["day"]): bytes(r["users_sketch"]) for r in spark.read.format("delta").load(user_sketches_path(table)).collect()}
    assert after == before


def test_users_window_days_bounds_the_count_and_the_side_table(spark, tmp_path):
    table = str(tmp_path / "dict")
    log1, log2 = write_log(spark, tmp_path / "day1", DAY1), write_log(spark, tmp_path / "day2", DAY2)
    run_rewrite(make_cfg("rewrite.min_users=3"), search_log=log1, model="fake", table=table)
    events = read_search_log(spark, log2).valid

    def selected(**kw) -> dict[str, dict]:
        sel = select_queries(spark, events, RewriteSection(min_users=3, incremental=False, **kw), table=table, model_version="m", now=NOW)
        return sel, {r["query_norm"]: r.asDict() for r in sel.queries.collect()}

    _, rows = selected()
    assert rows["trail running shoes"]["distinct_users"] == 3
    sel, rows = selected(users_window_days=1)  # day 2 only: two users
    assert "trail running shoes" not in rows
    assert sel.users_window.start == date(2026, 11, 2)
    record_user_sketches(spark, table, sel)  # retention: days before the window are deleted
    days = {r["day"] for r in spark.read.format("delta").load(user_sketches_path(table)).select("day").distinct().collect()}
    assert days == {date(2026, 11, 2)}
