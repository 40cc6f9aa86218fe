"""Sessionization: which search each click, add-to-cart and order belongs to.

Logs often carry the query only on the search event; a click says nothing about
what was typed. We cut sessions (the log's ``session_id``, else the same user
with no gap above ``session_gap_minutes``), number the searches inside each
session, and give every later event the ``query_norm`` of the search it follows.
The session key is an opaque hash that stays inside the job, like ``user_id``.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.window import Window

#: Within one timestamp a search comes before what it led to.
EVENT_RANK = {"search": 0, "click": 1, "add_to_cart": 2, "order": 3}


def event_rank(col: str = "event_type") -> Column:
    """search 0 < click 1 < add_to_cart 2 < order 3: also the engagement level of an event."""
    expr = F.when(F.col(col) == "search", F.lit(0))
    for name, rank in EVENT_RANK.items():
        if rank:
            expr = expr.when(F.col(col) == name, F.lit(rank))
    return expr.otherwise(F.lit(0))


def sessionize(events: DataFrame, gap_minutes: int) -> DataFrame:
    """Valid search_log rows -> the same rows plus ``session`` (long), ``search_seq``, ``rank``
    and an attributed ``query_norm`` (own query if the event has one, else the last search's).

    ``search_seq`` is the number of searches so far in the session, so all events that
    follow one search share it; events before the first search get 0 and, without a query
    of their own, a null ``query_norm`` (the job counts and drops them).
    """
    rank = event_rank()
    own_query = F.when(F.col("query_norm") != "", F.col("query_norm"))
    df = events.withColumn("rank", rank).withColumn("query_norm", own_query)

    # Gap-based session numbers for rows without a session_id (per user, in time order).
    no_sid = F.col("session_id").isNull() | (F.trim(F.col("session_id")) == "")
    by_user = Window.partitionBy("user_id", no_sid.alias("_no_sid")).orderBy("event_time", "rank", "product_id")
    prev = F.lag("event_time").over(by_user)
    gap = F.unix_timestamp("event_time") - F.unix_timestamp(prev)
    df = df.withColumn("_no_sid", no_sid).withColumn(
        "_new", F.when(prev.isNull() | (gap > gap_minutes * 60), F.lit(1)).otherwise(F.lit(0))
    )
    by_user_running = by_user.rowsBetween(Window.unboundedPreceding, Window.currentRow)
    df = df.withColumn("_gap_n", F.sum("_new").over(by_user_running))
    key = F.when(
        F.col("_no_sid"), F.concat_ws("\u001f", F.col("user_id"), F.lit("gap"), F.col("_gap_n").cast("string"))
    ).otherwise(F.concat_ws("\u001f", F.col("user_id"), F.lit("sid"), F.col("session_id")))
    df = df.withColumn("session", F.xxhash64(key))

    in_session = Window.partitionBy("session").orderBy("event_time", "rank", "product_id")
    running = in_session.rowsBetween(Window.unboundedPreceding, Window.currentRow)
    is_search = F.col("event_type") == "search"
    last_search_query = F.last(F.when(is_search, F.col("query_norm")), ignorenulls=True).over(running)
    return (
        df.withColumn("search_seq", F.sum(is_search.cast("int")).over(running))
        .withColumn("query_norm", F.when(is_search, F.col("query_norm")).otherwise(F.coalesce(F.col("query_norm"), last_search_query)))
        .select("session", "search_seq", "event_time", "user_id", "event_type", "rank", "query", "query_norm", "product_id", "position")
    )
