"""Rewrite pairs (query -> better query) from independent behaviour signals.

Three signals, each with its own support (distinct users) and a score in [0, 1]:

* ``reformulation``: in a session, a search that led nowhere (or less far: click <
  cart < order) followed by the next search that led further. The pair is
  q1 -> q2; its support is the users who did it, its score the share of q1's
  users-who-later-succeeded that went to q2 (smoothed). Pairs under
  ``min_reformulation_share`` are dropped: with more traffic an absolute user
  floor lets coincidences through (a failed search, then a purchase for another
  intent in the same session); on the sample world at 1e6 events the share
  filter took reformulation precision from 0.68 to 0.999.
* ``graph``: the query-product bipartite graph. Weighted Jaccard of two queries'
  product weights (orders weigh more than clicks, see behaviour.py), so a tail
  query that converts on the same products as a head query pairs with it. The
  pair points to the query that converts better (smoothed CVR), so rewrites move
  towards what works. Support: sum over shared products of the smaller user count.
  Each query keeps its ``graph_top_k`` most similar neighbours: sibling intents
  share products too ("32 inch tv" / "full hd tv"), the same intent shares the most.
* ``catalog`` (optional, ``data.catalog_targets``): the title words most of a
  query's engaged products share (e.g. "running shoes" for a use-based query):
  the merchants' own words. Synthetic, so it weighs less in the combined score;
  off by default because on the sample world most targets were attribute
  fragments ("inch laptop 32gb ram ssd") rather than queries.

Filters drop pairs identical after normalization, pairs that change the intent
(both queries have engaged categories and they are disjoint), pairs that only
add or drop words (one side's words strictly contain the other's: "sandals" ->
"navy sandals" narrows the intent, the reverse widens it; on the sample world
~85% of such pairs changed the hidden intent), and pairs under ``min_pair_support``.
A pair's ``score`` is the noisy-or of its signal scores, so two agreeing
signals beat one.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.window import Window

from ..config import DataSection
from .profiles import with_similarity

SIGNALS = ("reformulation", "graph", "catalog")
PAIR_KEYS = ["query_norm", "rewrite_norm"]


def _candidate(df: DataFrame, signal: str) -> DataFrame:
    rank = F.col("neighbour_rank") if "neighbour_rank" in df.columns else F.lit(None)
    return df.select(
        "query_norm", "rewrite_norm", F.lit(signal).alias("signal"), F.col("support").cast("long"), F.col("signal_score").cast("double"),
        rank.cast("int").alias("neighbour_rank"),
    )


def reformulations(events: DataFrame) -> DataFrame:
    """q1 -> the next search in the session that got further; support = distinct users."""
    searches = events.where(F.col("event_type") == "search").select("session", "search_seq", "user_id", "query_norm")
    levels = events.where(F.col("event_type") != "search").groupBy("session", "search_seq").agg(F.max("rank").alias("level"))
    inst = searches.join(levels, ["session", "search_seq"], "left").withColumn("level", F.coalesce("level", F.lit(0)))
    following = Window.partitionBy("session").orderBy("search_seq").rowsBetween(1, Window.unboundedFollowing)
    nxt = F.first(F.when(F.col("level") >= 1, F.struct(F.col("level").alias("level"), F.col("query_norm").alias("q"))), ignorenulls=True).over(following)
    moves = inst.withColumn("_next", nxt).where(F.col("_next").isNotNull() & (F.col("_next.level") > F.col("level")))
    moves = moves.select("user_id", "query_norm", F.col("_next.q").alias("rewrite_norm"))
    # Denominator: users whose search for q1 was followed by a better search for anything but q1.
    away = moves.where(F.col("rewrite_norm") != F.col("query_norm")).groupBy("query_norm").agg(F.countDistinct("user_id").alias("away_users"))
    pairs = moves.groupBy("query_norm", "rewrite_norm").agg(F.countDistinct("user_id").alias("support"))
    pairs = pairs.join(away, "query_norm", "left").withColumn(
        "signal_score", F.col("support") / (F.coalesce("away_users", F.col("support")) + F.lit(1.0))
    )
    return _candidate(pairs, "reformulation")


def _smoothed_cvr(behaviour: DataFrame, prior_weight: float = 5.0) -> DataFrame:
    totals = behaviour.agg(F.sum("orders").alias("o"), F.sum("searches").alias("s")).first()
    prior = (totals["o"] or 0) / max(totals["s"] or 0, 1)
    return behaviour.select(
        "query_norm",
        ((F.col("orders") + F.lit(prior * prior_weight)) / (F.col("searches") + F.lit(prior_weight))).alias("cvr_s"),
        F.col("searches"),
    )


def product_overlap(qp: DataFrame, cfg: DataSection) -> DataFrame:
    """Unordered query pairs (a < b) sharing products: weighted Jaccard ``sim`` and user ``support``."""
    cap = Window.partitionBy("product_id").orderBy(F.desc("weight"), "query_norm")
    top = qp.withColumn("_r", F.row_number().over(cap)).where(F.col("_r") <= cfg.max_queries_per_product)
    a = top.select("product_id", F.col("query_norm").alias("a"), F.col("weight").alias("wa"), F.col("users").alias("ua"))
    b = top.select("product_id", F.col("query_norm").alias("b"), F.col("weight").alias("wb"), F.col("users").alias("ub"))
    inter = a.join(b, "product_id").where(F.col("a") < F.col("b")).groupBy("a", "b").agg(
        F.sum(F.least("wa", "wb")).alias("inter"), F.sum(F.least("ua", "ub")).alias("support")
    )
    totals = qp.groupBy("query_norm").agg(F.sum("weight").alias("w"))
    inter = inter.join(totals.select(F.col("query_norm").alias("a"), F.col("w").alias("w_a")), "a").join(
        totals.select(F.col("query_norm").alias("b"), F.col("w").alias("w_b")), "b"
    )
    return inter.select("a", "b", "support", (F.col("inter") / (F.col("w_a") + F.col("w_b") - F.col("inter"))).alias("sim"))


def graph_pairs(overlap: DataFrame, behaviour: DataFrame, cfg: DataSection) -> DataFrame:
    """Product-overlap pairs above ``min_graph_similarity``, oriented towards the better-converting query."""
    overlap = overlap.where(F.col("sim") >= cfg.min_graph_similarity)
    cvr = _smoothed_cvr(behaviour)
    ca = cvr.select(F.col("query_norm").alias("a"), F.col("cvr_s").alias("ca"), F.col("searches").alias("sa"))
    cb = cvr.select(F.col("query_norm").alias("b"), F.col("cvr_s").alias("cb"), F.col("searches").alias("sb"))
    o = overlap.join(ca, "a", "left").join(cb, "b", "left").fillna(0, ["ca", "cb", "sa", "sb"])
    b_better = (F.col("cb") > F.col("ca")) | ((F.col("cb") == F.col("ca")) & (F.col("sb") >= F.col("sa")))
    o = o.select(
        F.when(b_better, F.col("a")).otherwise(F.col("b")).alias("query_norm"),
        F.when(b_better, F.col("b")).otherwise(F.col("a")).alias("rewrite_norm"),
        "support",
        "sim",
        (F.col("sim") * F.col("support") / (F.col("support") + F.lit(1.0))).alias("signal_score"),
    )
    # How close this neighbour is among the query's neighbours (1 = most similar): sibling
    # intents share products too ("32 inch tv" / "full hd tv"), the same intent shares the most.
    nearest = Window.partitionBy("query_norm").orderBy(F.desc("sim"), "rewrite_norm")
    return _candidate(o.withColumn("neighbour_rank", F.row_number().over(nearest)), "graph")


def catalog_targets(qp: DataFrame, catalog: DataFrame, cfg: DataSection) -> DataFrame:
    """The title words shared by most (by weight) of a query's engaged products, in title order.

    ``catalog`` needs ``title_norm`` (the normalized title, see job.py: computed once).
    """
    titles = catalog.select("product_id", F.split(F.col("title_norm"), " ").alias("words"))
    words = titles.select("product_id", F.posexplode("words").alias("pos", "word")).where(F.col("word") != "")
    words = words.groupBy("product_id", "word").agg(F.min("pos").alias("pos"))
    per_query = qp.groupBy("query_norm").agg(
        F.sum("weight").alias("w_total"), F.count("*").alias("n_products"), F.sum("users").alias("support")
    ).where(F.col("n_products") >= 2)
    shares = (
        qp.join(words, "product_id")
        .groupBy("query_norm", "word")
        .agg(F.sum("weight").alias("w"), F.avg("pos").alias("pos"), F.count("*").alias("n_with"))
        .join(per_query, "query_norm")
        .withColumn("share", F.col("w") / F.col("w_total"))
        # Shared by several products: a word of one product (its brand, its model) is not the intent.
        .where((F.col("share") >= cfg.catalog_word_share) & (F.col("n_with") >= 2))
    )
    best = Window.partitionBy("query_norm").orderBy(F.desc("share"), "pos", "word")
    kept = shares.withColumn("_r", F.row_number().over(best)).where(F.col("_r") <= cfg.catalog_target_max_words)
    targets = kept.groupBy("query_norm").agg(
        F.sort_array(F.collect_list(F.struct("pos", "word"))).alias("_w"),
        F.avg("share").alias("signal_score"),
        F.first("support").alias("support"),
    )
    targets = targets.select(
        "query_norm", F.array_join(F.transform("_w", lambda s: s["word"]), " ").alias("rewrite_norm"), "support", "signal_score"
    )
    return _candidate(targets, "catalog")


def granularity_change(left: str = "query_norm", right: str = "rewrite_norm") -> Column:
    """One side's words strictly contain the other's: the rewrite adds or drops a constraint
    ("sandals" <-> "navy sandals"), which narrows or widens the intent instead of keeping it."""
    a = F.array_distinct(F.split(F.col(left), " "))
    b = F.array_distinct(F.split(F.col(right), " "))
    a_in_b = F.size(F.array_except(a, b)) == 0
    b_in_a = F.size(F.array_except(b, a)) == 0
    return a_in_b != b_in_a


def drop_reason(cfg: DataSection) -> Column:
    """Why a candidate is filtered out (null: kept). First failing rule wins."""
    rules = (
        F.when((F.col("query_norm").isNull()) | (F.col("rewrite_norm").isNull()) | (F.col("rewrite_norm") == ""), F.lit("empty"))
        .when(F.col("query_norm") == F.col("rewrite_norm"), F.lit("identical"))
        .when(F.col("category_sim") == 0, F.lit("category_change"))
    )
    if cfg.drop_granularity_change:
        rules = rules.when(granularity_change(), F.lit("granularity_change"))
    return (
        rules.when(F.col("support") < cfg.min_pair_support, F.lit("low_support"))
        .when((F.col("signal") == "reformulation") & (F.col("signal_score") < cfg.min_reformulation_share), F.lit("low_share"))
        .when(F.col("neighbour_rank") > cfg.graph_top_k, F.lit("not_nearest"))
    )


def candidates(events: DataFrame, qp: DataFrame, overlap: DataFrame, behaviour: DataFrame, prof: DataFrame, catalog: DataFrame, cfg: DataSection) -> DataFrame:
    """Every signal's candidates with ``category_sim``, ``product_overlap`` and ``drop_reason`` (null when kept).

    ``overlap`` is :func:`product_overlap` and ``prof`` the query profiles (profiles.py), both computed once.
    """
    parts = [reformulations(events), graph_pairs(overlap, behaviour, cfg)]
    if cfg.catalog_targets:
        parts.append(catalog_targets(qp, catalog, cfg))
    union = parts[0]
    for p in parts[1:]:
        union = union.unionByName(p)
    return with_similarity(union, prof).withColumn("drop_reason", drop_reason(cfg))


def combine(kept: DataFrame, cfg: DataSection) -> DataFrame:
    """One row per (query_norm, rewrite_norm): agreeing signals, max support, noisy-or score."""
    weight = F.when(F.col("signal") == "catalog", F.lit(cfg.catalog_signal_weight)).otherwise(F.lit(1.0))
    s = F.least(F.col("signal_score") * weight, F.lit(0.999))
    per_signal = []
    for name in SIGNALS:
        per_signal.append(F.max(F.when(F.col("signal") == name, F.col("support"))).alias(f"{name}_support"))
        per_signal.append(F.max(F.when(F.col("signal") == name, F.col("signal_score"))).alias(f"{name}_score"))
    out = kept.groupBy(*PAIR_KEYS).agg(
        F.sort_array(F.collect_set("signal")).alias("signals"),
        F.max("support").alias("support"),
        (F.lit(1.0) - F.exp(F.sum(F.log1p(-s)))).alias("score"),
        F.max("category_sim").alias("category_sim"),
        F.max("product_overlap").alias("product_overlap"),
        *per_signal,
    )
    return out.select(
        "query_norm", "rewrite_norm", F.array_join("signals", "+").alias("signal"), "support", "score", "signals", "category_sim", "product_overlap",
        *[c for name in SIGNALS for c in (f"{name}_support", f"{name}_score")],
    )
