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
* ``reordered`` - two engaged queries with the same words in another order
  ("bag laptop" / "laptop bag"): graded by the same behaviour rules as shared
  words (2, 1, 0 or abstain). Word order changes the intent only sometimes, and
  no rule on the text alone says when (the head noun is usually last, but users
  type "laptop asus" for "asus laptop"); so the rewrite is never synthesized,
  only observed queries are paired, and behaviour decides the grade.
* ``type_drift`` (0) - same brand or same number, another product type:
  "15.6 inch gaming laptop asus" -> "asus 1.5 litre plastic kettle". Either a
  shared-word pair found through a brand word (a word of a catalog brand) or a
  number token whose categories are disjoint, or a catalog title (at most
  ``type_drift_title_max_words`` words) holding one of the query's brand/number
  tokens whose category the query never engaged with.
* ``attribute_drift`` (``attribute_drift_grade``, default 0) - same type, a
  contradicting attribute: the query with one number+unit token ("32gb",
  "13 inch", "28 cm"), gender word (mens/womens/boys/girls) or size word
  replaced by another value that titles of the query's own dominant category
  carry for the same kind of attribute ("32gb usb stick" -> "128gb usb stick").
  Abstains when the rewrite is an observed query whose products overlap the
  query's (behaviour says the attribute did not matter there). Grade 0, not 1:
  a 128gb stick is not what "32gb usb stick" asked for (unlike a narrower
  rewrite, none of its products is). Colours are not varied: without a colour
  vocabulary they cannot be told from model names.
* ``human`` - relevance_labels judge query-product pairs; a rewrite is judged by
  the products it leads to. ESCI maps to grades as exact 3 -> 2 (the rewrite's
  products are what was asked for), substitute 2 -> 1 (acceptable stand-ins:
  partly the intent), complement 1 -> 0 and irrelevant 0 -> 0 (a complement is a
  *different* product: rewriting "phone" to "phone case" changes the intent).
  The judgments of the query only see the rewrite's products, and a narrower
  rewrite's products are all exact; so grade 2 also needs the rewrite's own
  judgments to find the query's products exact (otherwise 1), and without them
  the human view abstains. Human grades win over behaviour for the same pair.
* ``human_title`` - the same judgments on the product's own (normalized) title as
  the rewrite: exact -> 2, substitute -> 1, complement/irrelevant -> 0. The nightly
  job's retrieved candidates (``rewrite.catalog``) are whole titles, with model
  names and codes the query never typed; without these pairs the tagger only ever
  saw titles as type-drift negatives and rejected every retrieved title. They go
  to the relevance examples (the relevance model, calibration, evaluation), not
  to SFT (:data:`SCORER_ONLY_SOURCES`): SFT's steps grow with its rows.

All candidates come from the catalog and the logs (no hidden truth), so they
work on a real shop's data. Synthetic rewrites (titles, attribute drift) are
plain texts; the job's split assignment drops any that equals a held-out query
of another split, like every other example (qrw.data.splits.assign), and they
never override behaviour on a pair of observed queries. Caps (``data.*``) keep
every join linear: queries per token (``max_queries_per_token``), titles per
token (``max_titles_per_token``), synthetic rewrites per query.

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
SOURCE_PRIORITY = {
    "human": 0,
    "human_title": 0,
    "mined": 1,
    "intent_change": 2,
    "granularity_change": 3,
    "type_drift": 4,
    "attribute_drift": 5,
    "reordered": 6,
    "hard_negative": 7,
    "shared_words": 8,
}
#: Gender words -> the group they name; two different groups contradict each other.
#: ("kids" and "unisex" are left out: they include the others rather than contradict them.)
GENDER_GROUPS = {"men": "m", "mens": "m", "man": "m", "women": "f", "womens": "f", "woman": "f", "ladies": "f", "boys": "b", "boy": "b", "girls": "g", "girl": "g"}
SIZE_WORDS = ("xs", "small", "medium", "large", "xl", "xxl", "xxxl")
_NUMBER = r"\p{Nd}+(\.\p{Nd}+)?"
#: How many of a rewrite's products (most engaged first) a human judgment of the query can cover.
HUMAN_TOP_PRODUCTS = 10
#: Share of those products' weight the judgments must cover to grade the rewrite.
HUMAN_MIN_COVERAGE = 0.5
LABEL_COLUMNS = ["query_norm", "rewrite_norm", "grade", "source", "product_overlap", "category_sim"]
#: Relevance sources the scorer learns from but SFT does not see (why: the ``human_title`` bullet above).
SCORER_ONLY_SOURCES = ("human_title",)
#: Judged products per query whose titles become ``human_title`` pairs (hash order: deterministic).
HUMAN_TITLES_PER_QUERY = 8


def _rarer_first(pairs: DataFrame) -> DataFrame:
    """(a, b, sa, sb) -> (query_norm, rewrite_norm) with the rarer query (fewer searches) first."""
    a_rarer = (F.col("sa") < F.col("sb")) | ((F.col("sa") == F.col("sb")) & (F.col("a") < F.col("b")))
    return pairs.select(
        F.when(a_rarer, F.col("a")).otherwise(F.col("b")).alias("query_norm"),
        F.when(a_rarer, F.col("b")).otherwise(F.col("a")).alias("rewrite_norm"),
    )


def _pairs_within(keyed: DataFrame, key: str, cap: int) -> DataFrame:
    """Pairs of queries sharing ``key`` (each key's ``cap`` most searched queries), the rarer first."""
    rank = Window.partitionBy(key).orderBy(F.desc("searches"), "query_norm")
    keyed = keyed.withColumn("_r", F.row_number().over(rank)).where(F.col("_r") <= cap)
    a = keyed.select(key, F.col("query_norm").alias("a"), F.col("searches").alias("sa"))
    b = keyed.select(key, F.col("query_norm").alias("b"), F.col("searches").alias("sb"))
    return _rarer_first(a.join(b, key).where(F.col("a") < F.col("b")).select("a", "b", "sa", "sb").distinct())


def shared_word_pairs(behaviour: DataFrame, cfg: DataSection, tokens: DataFrame | None = None, cap: int | None = None) -> DataFrame:
    """Pairs of engaged queries sharing a word (capped per word), the rarer query first.

    ``tokens`` (a ``word`` column) restricts the shared word to those (brand/number tokens).
    """
    engaged = behaviour.where(F.size("categories") > 0).select("query_norm", "searches")
    words = engaged.select("query_norm", "searches", F.explode(F.array_distinct(F.split("query_norm", " "))).alias("word")).where(
        F.length("word") >= 2
    )
    if tokens is not None:
        words = _salient(words, tokens)
    return _pairs_within(words, "word", cap or cfg.max_queries_per_word)


def reordered_pairs(behaviour: DataFrame, cfg: DataSection) -> DataFrame:
    """Engaged queries holding the same words in another order ("bag laptop" / "laptop bag"), the rarer first."""
    engaged = behaviour.where(F.size("categories") > 0).select(
        "query_norm", "searches", F.array_join(F.array_sort(F.split("query_norm", " ")), " ").alias("bag")
    )
    return _pairs_within(engaged.where(F.col("bag").contains(" ")), "bag", cfg.max_queries_per_word)


def brand_words(products: DataFrame) -> DataFrame:
    """(word): the words of the catalog's brand names, cased and split like qrw.normalize does.

    Spark expressions rather than the normalize UDF (no Python worker for a small lookup):
    lowercase, apostrophes deleted ("Vogel's" -> "vogels"), split at anything not a letter or digit.
    """
    brand = F.regexp_replace(F.lower(F.col("brand")), "['\u2019`]", "")
    words = products.where(F.col("brand").isNotNull()).select(F.explode(F.split(brand, r"[^\p{L}\p{Nd}]+")).alias("word"))
    return words.where(F.length("word") >= 2).distinct()


def _salient(words: DataFrame, brands: DataFrame) -> DataFrame:
    """Rows of ``words`` (a ``word`` column) that are a number token or a brand word."""
    numeric = words.where(F.col("word").rlike(r"\p{Nd}"))
    return numeric.unionByName(words.join(F.broadcast(brands), "word")).distinct()


def type_drift_titles(behaviour: DataFrame, products: DataFrame, brands: DataFrame, cfg: DataSection) -> DataFrame:
    """(query, catalog title of another category sharing one of the query's brand/number tokens): grade 0."""
    titles = products.where(F.size(F.split("title_norm", " ")) <= cfg.type_drift_title_max_words).select(
        "product_id", "title_norm", "category", F.explode(F.array_distinct(F.split("title_norm", " "))).alias("word")
    )
    per_token = Window.partitionBy("word").orderBy(F.xxhash64("product_id"), "product_id")
    titles = _salient(titles, brands).withColumn("_r", F.row_number().over(per_token)).where(F.col("_r") <= cfg.max_titles_per_token)
    engaged = behaviour.where(F.size("categories") > 0).select(
        "query_norm", F.transform("categories", lambda c: c["category"]).alias("_cats"),
        F.explode(F.array_distinct(F.split("query_norm", " "))).alias("word"),
    )
    hits = (
        _salient(engaged, brands)
        .join(titles.drop("_r"), "word")
        .where(~F.array_contains("_cats", F.col("category")) & (F.col("title_norm") != F.col("query_norm")))
        .select("query_norm", F.col("title_norm").alias("rewrite_norm"))
        .distinct()
    )
    per_query = Window.partitionBy("query_norm").orderBy(F.xxhash64("query_norm", "rewrite_norm"), "rewrite_norm")
    return hits.withColumn("_r", F.row_number().over(per_query)).where(F.col("_r") <= cfg.type_drift_titles_per_query).drop("_r")


def _attributes(df: DataFrame, text: str) -> DataFrame:
    """One row per attribute token of ``text``: ``pos`` (0-based), ``tok``, its kind ``cls`` and ``canon``.

    A token with a number is a number attribute; its kind is the token with the number
    replaced by "#" ("32gb" -> "#gb"), and a bare number takes the unit word after it
    ("13 inch" -> "# inch"), so only values of the same unit replace each other.
    Gender words (kind "gender") compare by group (``GENDER_GROUPS``), size words by themselves.
    """
    genders = F.create_map(*[F.lit(x) for kv in GENDER_GROUPS.items() for x in kv])
    toks = df.select("*", F.posexplode(F.split(F.col(text), " ")).alias("pos", "tok"))
    shape = F.regexp_replace("tok", _NUMBER, "#")
    following = F.try_element_at(F.split(F.col(text), " "), F.col("pos") + 2)  # null after the last token
    unit = F.when(following.rlike(r"^\p{L}+$"), F.concat(F.lit("# "), following)).otherwise(F.lit("#"))
    cls = (
        F.when(F.col("tok").rlike(r"\p{Nd}"), F.when(shape == "#", unit).otherwise(shape))
        .when(genders[F.col("tok")].isNotNull(), F.lit("gender"))
        .when(F.col("tok").isin(*SIZE_WORDS), F.lit("size"))
    )
    canon = F.coalesce(genders[F.col("tok")], F.col("tok"))
    return toks.withColumn("cls", cls).where(F.col("cls").isNotNull()).withColumn("canon", canon)


def attribute_drift(behaviour: DataFrame, products: DataFrame, prof: DataFrame, cfg: DataSection) -> DataFrame:
    """(query, the query with one attribute value swapped for another its category's titles carry)."""
    values = _attributes(products.select("category", "title_norm"), "title_norm").select(
        "category", "cls", F.col("tok").alias("value"), F.col("canon").alias("_vc")
    ).distinct()
    top = behaviour.where(F.size("categories") > 0).select(
        "query_norm", F.col("categories")[0]["category"].alias("category"), F.col("categories")[0]["share"].alias("_share")
    ).where(F.col("_share") >= cfg.same_category_min_sim)
    swapped = (
        _attributes(top, "query_norm")
        .join(values, ["category", "cls"])
        .where(F.col("_vc") != F.col("canon"))
        .select(
            "query_norm",
            F.array_join(
                F.transform(F.split("query_norm", " "), lambda t, i: F.when(i == F.col("pos"), F.col("value")).otherwise(t)), " "
            ).alias("rewrite_norm"),
        )
        .where(F.col("rewrite_norm") != F.col("query_norm"))
        .distinct()
    )
    # An observed rewrite whose products overlap the query's: behaviour says the attribute did not matter.
    sim = with_similarity(swapped, prof)
    kept = sim.where(F.col("product_overlap") < cfg.same_intent_min_overlap).select("query_norm", "rewrite_norm")
    per_query = Window.partitionBy("query_norm").orderBy(F.xxhash64("query_norm", "rewrite_norm"), "rewrite_norm")
    return kept.withColumn("_r", F.row_number().over(per_query)).where(F.col("_r") <= cfg.attribute_drift_per_query).drop("_r")


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


def _both_ways(pairs: DataFrame) -> DataFrame:
    """(query_norm, rewrite_norm) in either orientation: a pair already labelled one way is taken both ways."""
    p = pairs.select("query_norm", "rewrite_norm")
    return p.unionByName(p.select(F.col("rewrite_norm").alias("query_norm"), F.col("query_norm").alias("rewrite_norm")))


def behaviour_examples(
    rewrite_pairs: DataFrame, dropped: DataFrame, behaviour: DataFrame, prof: DataFrame, cfg: DataSection, products: DataFrame | None = None
) -> DataFrame:
    """Labelled candidates from behaviour and the catalog (see the module docstring).

    ``products`` (``product_id``, ``title_norm``, ``brand``, ``category``) enables the
    catalog-derived hard negatives (type_drift titles and brand words, attribute_drift).
    """
    mined = rewrite_pairs.select("query_norm", "rewrite_norm", F.lit("mined").alias("kind"))
    changed = dropped.where(F.col("drop_reason").isin("category_change", "granularity_change")).select(
        "query_norm", "rewrite_norm", F.col("drop_reason").alias("kind")
    )
    seen = mined.unionByName(changed).dropDuplicates(["query_norm", "rewrite_norm"]).withColumn("salient", F.lit(False))
    taken = _both_ways(seen)
    candidates = seen
    if cfg.reordered_pairs:
        reordered = reordered_pairs(behaviour, cfg).join(taken, ["query_norm", "rewrite_norm"], "left_anti")
        reordered = reordered.withColumn("kind", F.lit("reordered")).withColumn("salient", F.lit(False))
        candidates = candidates.unionByName(reordered)
        taken = taken.unionByName(_both_ways(reordered))
    words = shared_word_pairs(behaviour, cfg).withColumn("salient", F.lit(False))
    brands = brand_words(products) if products is not None else None
    if cfg.type_drift_negatives and brands is not None:
        # Pairs found through a brand word or number token; a disjoint pair among them is type drift.
        salient = shared_word_pairs(behaviour, cfg, tokens=brands, cap=cfg.max_queries_per_token).withColumn("salient", F.lit(True))
        words = words.unionByName(salient).groupBy("query_norm", "rewrite_norm").agg((F.max(F.col("salient").cast("int")) == 1).alias("salient"))
    words = words.join(taken, ["query_norm", "rewrite_norm"], "left_anti").withColumn("kind", F.lit("shared_words"))
    candidates = candidates.unionByName(words.select(*candidates.columns))
    graded = with_similarity(candidates, prof, right_must_exist=True).withColumn("grade", behaviour_grade(cfg))
    is_zero = (F.col("kind") == "shared_words") & (F.col("grade") == 0)
    source = (
        F.when(F.col("kind") == "category_change", F.lit("intent_change"))
        .when(is_zero & F.col("salient"), F.lit("type_drift"))
        .when(is_zero, F.lit("hard_negative"))
        .otherwise(F.col("kind"))
    )
    observed = graded.where(F.col("grade").isNotNull()).withColumn("source", source).select(*LABEL_COLUMNS)
    # A synthetic rewrite never overrides behaviour on an observed pair (graded or abstained).
    taken = taken.unionByName(_both_ways(words))
    if products is None:
        return observed
    synthetic = []
    if cfg.type_drift_negatives and cfg.type_drift_titles_per_query > 0:
        synthetic.append(type_drift_titles(behaviour, products, brands, cfg).withColumn("grade", F.lit(0)).withColumn("source", F.lit("type_drift")))
    if cfg.attribute_drift_negatives and cfg.attribute_drift_per_query > 0:
        synthetic.append(
            attribute_drift(behaviour, products, prof, cfg).withColumn("grade", F.lit(cfg.attribute_drift_grade)).withColumn("source", F.lit("attribute_drift"))
        )
    if not synthetic:
        return observed
    extra = synthetic[0]
    for df in synthetic[1:]:
        extra = extra.unionByName(df)
    priority = F.create_map(*[x for k, v in SOURCE_PRIORITY.items() for x in (F.lit(k), F.lit(v))])
    first = Window.partitionBy("query_norm", "rewrite_norm").orderBy(priority[F.col("source")])
    extra = (
        extra.join(taken, ["query_norm", "rewrite_norm"], "left_anti")
        .withColumn("_r", F.row_number().over(first))
        .where(F.col("_r") == 1)
        .drop("_r")
    )
    # Similarities as seen from behaviour (null where the rewrite is not an observed query).
    extra = with_similarity(extra, prof).select(*LABEL_COLUMNS)
    return observed.unionByName(extra)


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


def human_title_examples(labels: DataFrame, products: DataFrame, prof: DataFrame) -> DataFrame:
    """(query, a judged product's normalized title) graded by the judgment of that product itself."""
    mapping = F.create_map(*[x for k, v in ESCI_TO_GRADE.items() for x in (F.lit(k), F.lit(v))])
    judged = labels.where(F.col("query_norm") != "").groupBy("query_norm", "product_id").agg(F.avg(mapping[F.col("grade")]).alias("g"))
    titled = (
        judged.join(products.select("product_id", F.col("title_norm").alias("rewrite_norm")), "product_id")
        .where((F.col("rewrite_norm") != "") & (F.col("rewrite_norm") != F.col("query_norm")))
        .groupBy("query_norm", "rewrite_norm")
        .agg(F.avg("g").alias("g"))
    )
    per_query = Window.partitionBy("query_norm").orderBy(F.xxhash64("query_norm", "rewrite_norm"), "rewrite_norm")
    grade = F.when(F.col("g") < 0.5, 0).when(F.col("g") < 1.5, 1).otherwise(2).cast("int")
    pairs = (
        titled.withColumn("_r", F.row_number().over(per_query))
        .where(F.col("_r") <= HUMAN_TITLES_PER_QUERY)
        .select("query_norm", "rewrite_norm", grade.alias("grade"), F.lit("human_title").alias("source"))
    )
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
