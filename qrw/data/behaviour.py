"""Per-query behaviour: how often a normalized query is searched, and what it leads to.

Everything downstream (pairs, labels, GRPO ground truth) reads these aggregates,
so they are computed once. Product weights count *distinct users* per event type
(``click_weight * click_users + add_to_cart_weight * cart_users + order_weight *
order_users``): one user clicking a product ten times is one vote, and an order
says more about intent than a click. Only products that exist in the catalog
enter the product lists and category distributions; events on unknown products
still count as engagement (the user did act), the job reports how many there were.
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.window import Window

from ..config import DataSection

PRODUCT_FIELDS = ["product_id", "clicks", "add_to_carts", "orders", "users", "weight"]


def _count_of(event: str):
    return F.sum((F.col("event_type") == event).cast("long"))


def _users_of(event: str):
    return F.countDistinct(F.when(F.col("event_type") == event, F.col("user_id")))


def query_products(events: DataFrame, catalog: DataFrame, cfg: DataSection) -> DataFrame:
    """(query_norm, product_id) -> event counts, distinct users and the engagement weight."""
    engaged = events.where((F.col("event_type") != "search") & F.col("query_norm").isNotNull())
    known = engaged.join(catalog.select("product_id"), "product_id", "left_semi")
    agg = known.groupBy("query_norm", "product_id").agg(
        _count_of("click").alias("clicks"),
        _count_of("add_to_cart").alias("add_to_carts"),
        _count_of("order").alias("orders"),
        F.countDistinct("user_id").alias("users"),
        _users_of("click").alias("_click_users"),
        _users_of("add_to_cart").alias("_cart_users"),
        _users_of("order").alias("_order_users"),
    )
    weight = (
        F.col("_click_users") * F.lit(cfg.click_weight)
        + F.col("_cart_users") * F.lit(cfg.add_to_cart_weight)
        + F.col("_order_users") * F.lit(cfg.order_weight)
    )
    return agg.withColumn("weight", weight.cast("double")).drop("_click_users", "_cart_users", "_order_users")


def category_distribution(qp: DataFrame, catalog: DataFrame) -> DataFrame:
    """(query_norm, category, share): where a query's engagement lands in the category tree."""
    cats = catalog.select("product_id", F.coalesce(F.trim("category"), F.lit("")).alias("category")).where(F.col("category") != "")
    per_cat = qp.join(cats, "product_id").groupBy("query_norm", "category").agg(F.sum("weight").alias("w"))
    total = Window.partitionBy("query_norm")
    return per_cat.withColumn("share", F.col("w") / F.sum("w").over(total)).select("query_norm", "category", "share")


def behaviour(events: DataFrame, qp: DataFrame, cats: DataFrame, max_products: int) -> DataFrame:
    """One row per query_norm: volumes, CTR/CVR, the most frequent raw form, products and categories."""
    searches = events.where(F.col("event_type") == "search")
    volumes = searches.groupBy("query_norm").agg(
        F.count("*").alias("searches"),
        F.countDistinct("user_id").alias("users"),
        F.countDistinct("session").alias("sessions"),
    )
    forms = searches.groupBy("query_norm", "query").count()
    first = Window.partitionBy("query_norm").orderBy(F.desc("count"), "query")
    raw = forms.withColumn("_r", F.row_number().over(first)).where("_r = 1").select("query_norm", "query")
    engagement = (
        events.where((F.col("event_type") != "search") & F.col("query_norm").isNotNull())
        .groupBy("query_norm")
        .agg(_count_of("click").alias("clicks"), _count_of("add_to_cart").alias("add_to_carts"), _count_of("order").alias("orders"))
    )
    products = qp.groupBy("query_norm").agg(
        F.slice(
            F.sort_array(F.collect_list(F.struct(F.col("weight"), F.col("product_id"), *[F.col(c) for c in PRODUCT_FIELDS if c not in ("weight", "product_id")])), asc=False),
            1,
            max_products,
        ).alias("_p"),
        F.sum("weight").alias("product_weight"),
    )
    products = products.select(
        "query_norm", "product_weight", F.transform("_p", lambda s: F.struct(*[s[c].alias(c) for c in PRODUCT_FIELDS])).alias("products")
    )
    categories = cats.groupBy("query_norm").agg(
        F.sort_array(F.collect_list(F.struct(F.col("share"), F.col("category"))), asc=False).alias("_c")
    ).select("query_norm", F.transform("_c", lambda s: F.struct(s["category"].alias("category"), s["share"].alias("share"))).alias("categories"))

    out = (
        volumes.join(raw, "query_norm", "left")
        .join(engagement, "query_norm", "full")
        .join(products, "query_norm", "left")
        .join(categories, "query_norm", "left")
    )
    zero = F.lit(0).cast("long")
    out = out.select(
        "query_norm",
        F.coalesce("query", "query_norm").alias("query"),
        *[F.coalesce(c, zero).alias(c) for c in ("searches", "users", "sessions", "clicks", "add_to_carts", "orders")],
        F.coalesce("product_weight", F.lit(0.0)).alias("product_weight"),
        F.coalesce("products", F.array().cast("array<struct<product_id:string,clicks:bigint,add_to_carts:bigint,orders:bigint,users:bigint,weight:double>>")).alias("products"),
        F.coalesce("categories", F.array().cast("array<struct<category:string,share:double>>")).alias("categories"),
    )
    return out.withColumn("ctr", F.when(F.col("searches") > 0, F.col("clicks") / F.col("searches"))).withColumn(
        "cvr", F.when(F.col("searches") > 0, F.col("orders") / F.col("searches"))
    )
