"""Graded relevance examples for (query, rewrite): 2 same intent, 1 partly, 0 different.

Behaviour decides the grade where it is clear and abstains where it is not
(a noisy label teaches the tagger the noise):

* ``product_overlap``: weighted Jaccard of the two queries' engaged products
  (same products bought -> same intent);
* ``category_sim``: overlap of the two queries' category distributions
  (same category, different products -> a related but different intent).

Candidates and grades:

* ``mined`` - kept rewrite pairs between two observed queries: 2, unless their
  categories only partly agree (then no label).
* ``intent_change`` - candidates the pair filter dropped for disjoint categories: 0.
* ``granularity_change`` - candidates dropped because one side only adds or drops
  words ("sandals" / "navy sandals"), categories agreeing: 1 (partly the intent).
* queries sharing a word (``shared_words``): 2 when products overlap and categories
  agree, 1 when categories agree but products do not, 0 (``hard_negative``) when
  categories are disjoint: they share words but not intent, the case a lexical
  matcher gets wrong.
* ``human`` - relevance_labels judge query-product pairs; a rewrite is judged by
  the products it leads to. ESCI maps to grades as exact 3 -> 2 (the rewrite's
  products are what was asked for), substitute 2 -> 1 (acceptable stand-ins:
  partly the intent), complement 1 -> 0 and irrelevant 0 -> 0 (a complement is a
  *different* product: rewriting "phone" to "phone case" changes the intent).
  The judgments of the query only see the rewrite's products, and a narrower
  rewrite's products are all exact; so grade 2 also needs the rewrite's own
  judgments to find the query's products exact (otherwise 1), and without them
  the human view abstains. Human grades win over behaviour for the same pair.

Grades are then balanced (each grade capped at ``label_balance_ratio`` x the
smallest non-empty grade; sources take turns, deterministic by hash), so the
tagger does not learn the prior.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.window import Window

from ..config import DataSection
from .profiles import with_similarity

#: ESCI 0-3 (3 = exact) -> relevance grade 0-2; see the module docstring for why.
ESCI_TO_GRADE = {3: 2, 2: 1, 1: 0, 0: 0}
SOURCE_PRIORITY = {"human": 0, "mined": 1, "intent_change": 2, "granularity_change": 3, "hard_negative": 4, "shared_words": 5}
#: How many of a rewrite's products (most engaged first) a human judgment of the query can cover.
HUMAN_TOP_PRODUCTS = 10
#: Share of those products' weight the judgments must cover to grade the rewrite.
HUMAN_MIN_COVERAGE = 0.5
LABEL_COLUMNS = ["query_norm", "rewrite_norm", "grade", "source", "product_overlap", "category_sim"]


def shared_word_pairs(behaviour: DataFrame, cfg: DataSection) -> DataFrame:
    """Pairs of engaged queries sharing a word (capped per word), the rarer query first."""
    engaged = behaviour.where(F.size("categories") > 0).select("query_norm", "searches")
    words = engaged.select("query_norm", "searches", F.explode(F.array_distinct(F.split("query_norm", " "))).alias("word")).where(
        F.length("word") >= 2
    )
    cap = Window.partitionBy("word").orderBy(F.desc("searches"), "query_norm")
    words = words.withColumn("_r", F.row_number().over(cap)).where(F.col("_r") <= cfg.max_queries_per_word)
    a = words.select("word", F.col("query_norm").alias("a"), F.col("searches").alias("sa"))
    b = words.select("word", F.col("query_norm").alias("b"), F.col("searches").alias("sb"))
    pairs = a.join(b, "word").where(F.col("a") < F.col("b")).select("a", "b", "sa", "sb").distinct()
    a_rarer = (F.col("sa") < F.col("sb")) | ((F.col("sa") == F.col("sb")) & (F.col("a") < F.col("b")))
    return pairs.select(
        F.when(a_rarer, F.col("a")).otherwise(F.col("b")).alias("query_norm"),
        F.when(a_rarer, F.col("b")).otherwise(F.col("a")).alias("rewrite_norm"),
    )


def behaviour_grade(cfg: DataSection) -> Column:
    """Grade of a candidate from its ``kind``, overlap and category agreement (null: abstain)."""
    same_cat = F.col("category_sim") >= cfg.same_category_min_sim
    cat_ok = F.col("category_sim").isNull() | same_cat
    kind = F.col("kind")
    return (
        F.when(kind == "mined", F.when(cat_ok, F.lit(2)))
        .when(kind == "category_change", F.lit(0))
        .when(kind == "granularity_change", F.when(cat_ok, F.lit(1)))
        .when(F.col("category_sim").isNull(), F.lit(None))
        .when(same_cat & (F.col("product_overlap") >= cfg.same_intent_min_overlap), F.lit(2))
        .when(same_cat & (F.col("product_overlap") < cfg.same_intent_min_overlap / 2), F.lit(1))
        .when(F.col("category_sim") <= cfg.different_category_max_sim, F.lit(0))
        .cast("int")
    )


def behaviour_examples(rewrite_pairs: DataFrame, dropped: DataFrame, behaviour: DataFrame, prof: DataFrame, cfg: DataSection) -> DataFrame:
    """Labelled candidates from behaviour alone (see the module docstring); rewrites are observed queries."""
    mined = rewrite_pairs.select("query_norm", "rewrite_norm", F.lit("mined").alias("kind"))
    changed = dropped.where(F.col("drop_reason").isin("category_change", "granularity_change")).select(
        "query_norm", "rewrite_norm", F.col("drop_reason").alias("kind")
    )
    seen = mined.unionByName(changed).dropDuplicates(["query_norm", "rewrite_norm"])
    # Either orientation of a pair already seen counts as seen.
    seen_both = seen.select("query_norm", "rewrite_norm").unionByName(
        seen.select(F.col("rewrite_norm").alias("query_norm"), F.col("query_norm").alias("rewrite_norm"))
    )
    words = shared_word_pairs(behaviour, cfg).join(seen_both, ["query_norm", "rewrite_norm"], "left_anti").withColumn("kind", F.lit("shared_words"))
    graded = with_similarity(seen.unionByName(words), prof, right_must_exist=True).withColumn("grade", behaviour_grade(cfg))
    source = (
        F.when(F.col("kind") == "category_change", F.lit("intent_change"))
        .when((F.col("kind") == "shared_words") & (F.col("grade") == 0), F.lit("hard_negative"))
        .otherwise(F.col("kind"))
    )
    return graded.where(F.col("grade").isNotNull()).withColumn("source", source).select(*LABEL_COLUMNS)


def human_examples(labels: DataFrame, qp: DataFrame, prof: DataFrame) -> DataFrame:
    """(query, rewrite) graded by the human judgments of the query on the rewrite's top products."""
    mapping = F.create_map(*[x for k, v in ESCI_TO_GRADE.items() for x in (F.lit(k), F.lit(v))])
    judged = labels.where(F.col("query_norm") != "").groupBy("query_norm", "product_id").agg(F.avg(mapping[F.col("grade")]).alias("g"))
    top = Window.partitionBy("query_norm").orderBy(F.desc("weight"), "product_id")
    rp = (
        qp.withColumn("_r", F.row_number().over(top))
        .where(F.col("_r") <= HUMAN_TOP_PRODUCTS)
        .withColumn("w_total", F.sum("weight").over(Window.partitionBy("query_norm")))
        .select(F.col("query_norm").alias("rewrite_norm"), "product_id", "weight", "w_total")
    )
    pairs = (
        judged.join(rp, "product_id")
        .where(F.col("query_norm") != F.col("rewrite_norm"))
        .groupBy("query_norm", "rewrite_norm")
        .agg((F.sum(F.col("g") * F.col("weight")) / F.sum("weight")).alias("mean"), F.sum("weight").alias("w_judged"), F.first("w_total").alias("w_total"))
        .where(F.col("w_judged") >= HUMAN_MIN_COVERAGE * F.col("w_total"))
    )
    reverse = pairs.select(F.col("query_norm").alias("rewrite_norm"), F.col("rewrite_norm").alias("query_norm"), F.col("mean").alias("reverse"))
    pairs = pairs.join(reverse, ["query_norm", "rewrite_norm"], "left")
    # The query's judgments see only the rewrite's side: a narrower rewrite ("sandals" ->
    # "navy sandals") leads to products that are all exact for the query. "Same intent"
    # needs the judgments to agree both ways; without the reverse view we abstain.
    grade = (
        F.when(F.col("mean") < 0.5, 0)
        .when(F.col("mean") < 1.5, 1)
        .when(F.col("reverse").isNull(), F.lit(None))
        .when(F.col("reverse") >= 1.5, 2)
        .otherwise(1)
        .cast("int")
    )
    pairs = pairs.select("query_norm", "rewrite_norm", grade.alias("grade"), F.lit("human").alias("source")).where(F.col("grade").isNotNull())
    return with_similarity(pairs, prof).select(*LABEL_COLUMNS)


def merge_human(behavioural: DataFrame, human: DataFrame | None) -> DataFrame:
    """Human grades replace behaviour grades for the same (query, rewrite)."""
    if human is None:
        return behavioural
    rest = behavioural.join(human.select("query_norm", "rewrite_norm"), ["query_norm", "rewrite_norm"], "left_anti")
    return human.unionByName(rest)


def balance(examples: DataFrame, ratio: float) -> tuple[DataFrame, dict[int, int]]:
    """Cap each grade at ``ratio`` x the smallest non-empty grade; returns the frame and the caps."""
    counts = {r["grade"]: r["count"] for r in examples.groupBy("grade").count().collect()}
    nonempty = [c for c in counts.values() if c > 0]
    if not nonempty:
        return examples, {}
    cap = max(1, int(min(nonempty) * ratio))
    # Sources take turns (round-robin by a stable hash order), so a big easy source cannot
    # crowd out a small hard one (hard negatives, human judgments); ties go by SOURCE_PRIORITY.
    priority = F.create_map(*[x for k, v in SOURCE_PRIORITY.items() for x in (F.lit(k), F.lit(v))])
    in_source = Window.partitionBy("grade", "source").orderBy(F.xxhash64("query_norm", "rewrite_norm"), "query_norm", "rewrite_norm")
    in_grade = Window.partitionBy("grade").orderBy("_turn", priority[F.col("source")])
    kept = (
        examples.withColumn("_turn", F.row_number().over(in_source))
        .withColumn("_r", F.row_number().over(in_grade))
        .where(F.col("_r") <= cap)
        .drop("_turn", "_r")
    )
    return kept, {g: min(c, cap) for g, c in counts.items()}
