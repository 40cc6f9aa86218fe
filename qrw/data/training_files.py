"""Rendering and writing: Delta tables, and the JSON Lines files TRL reads directly.

Every prompt is rendered by ``qrw.prompts`` inside Spark (``mapInPandas``), the
same functions inference uses, so training and serving prompts cannot drift.
Files go through Hadoop's FileSystem (one part file renamed into place), so
``--out`` may be local, ``hdfs://`` or ``s3a://`` alike. Every write replaces
what was there: a rerun leaves the same outputs, not more.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.window import Window

from .. import prompts
from ..io.readers import normalize_udf

MESSAGES = "array<struct<role:string,content:string>>"
SFT_SCHEMA = (
    f"task string, prompt {MESSAGES}, completion {MESSAGES}, query_norm string, rewrite_norm string, "
    "grade int, source string, split string"
)
PRODUCTS = "array<struct<product_id:string,clicks:bigint,add_to_carts:bigint,orders:bigint>>"
GRPO_SCHEMA = f"prompt {MESSAGES}, query string, query_norm string, products {PRODUCTS}, split string"


def _render_sft(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    for df in batches:
        rows = []
        for r in df.itertuples(index=False):
            if r.task == prompts.TASK_REWRITE:
                ex = prompts.sft_example(prompts.TASK_REWRITE, prompts.rewrite_messages(r.query_norm), r.rewrite_norm)
                grade = None
            else:
                grade = int(r.grade)
                ex = prompts.sft_example(
                    prompts.TASK_RELEVANCE, prompts.relevance_messages(r.query_norm, r.rewrite_norm), prompts.relevance_completion(grade)
                )
            rows.append({**ex, "query_norm": r.query_norm, "rewrite_norm": r.rewrite_norm, "grade": grade, "source": r.source, "split": r.split})
        out = pd.DataFrame(rows, columns=["task", "prompt", "completion", "query_norm", "rewrite_norm", "grade", "source", "split"])
        out["grade"] = out["grade"].astype("Int32")
        yield out


def _render_grpo(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    for df in batches:
        df = df.copy()
        df["prompt"] = [prompts.rewrite_messages(q) for q in df["query"]]
        yield df[["prompt", "query", "query_norm", "products", "split"]]


def sft_rows(examples: DataFrame) -> DataFrame:
    """(task, query_norm, rewrite_norm, grade, source, split) -> TRL prompt-completion rows."""
    cols = examples.select("task", "query_norm", "rewrite_norm", F.col("grade").cast("int"), "source", "split")
    return cols.mapInPandas(_render_sft, SFT_SCHEMA)


def grpo_rows(queries: DataFrame, max_products: int) -> DataFrame:
    """Queries with the products users engaged with (the conversion reward's ground truth)."""
    products = F.slice(
        F.transform(
            "products",
            lambda p: F.struct(p["product_id"].alias("product_id"), p["clicks"].alias("clicks"), p["add_to_carts"].alias("add_to_carts"), p["orders"].alias("orders")),
        ),
        1,
        max_products,
    )
    cols = queries.where(F.size("products") > 0).select("query", "query_norm", products.alias("products"), "split")
    return cols.mapInPandas(_render_grpo, GRPO_SCHEMA)


def mix_tasks(examples: DataFrame, relevance_share: float | None) -> tuple[DataFrame, dict]:
    """Downsample one task per split so relevance rows make ``relevance_share`` of the mix.

    When a split has only one task, it is kept whole (a mix needs both sides) and
    the summary says so. ``None`` keeps every row (the trainer resamples instead).
    """
    counts: dict[tuple[str, str], int] = {(r["split"], r["task"]): r["count"] for r in examples.groupBy("split", "task").count().collect()}
    if relevance_share is None:
        return examples, {f"{s}/{t}": n for (s, t), n in sorted(counts.items())}
    keep: dict[tuple[str, str], int] = {}
    for split in {s for s, _ in counts}:
        n_rw = counts.get((split, prompts.TASK_REWRITE), 0)
        n_rel = counts.get((split, prompts.TASK_RELEVANCE), 0)
        if n_rw == 0 or n_rel == 0 or relevance_share in (0.0, 1.0):
            keep[(split, prompts.TASK_REWRITE)] = 0 if relevance_share == 1.0 and n_rel else n_rw
            keep[(split, prompts.TASK_RELEVANCE)] = 0 if relevance_share == 0.0 and n_rw else n_rel
            continue
        want_rel = round(n_rw * relevance_share / (1 - relevance_share))
        if want_rel <= n_rel:
            keep[(split, prompts.TASK_REWRITE)], keep[(split, prompts.TASK_RELEVANCE)] = n_rw, want_rel
        else:
            keep[(split, prompts.TASK_REWRITE)] = round(n_rel * (1 - relevance_share) / relevance_share)
            keep[(split, prompts.TASK_RELEVANCE)] = n_rel
    if not keep:
        return examples, {}
    limit = F.create_map(*[x for (s, t), n in keep.items() for x in (F.lit(f"{s}/{t}"), F.lit(n))])
    order = Window.partitionBy("split", "task").orderBy(F.xxhash64("task", "query_norm", "rewrite_norm"), "query_norm", "rewrite_norm")
    mixed = examples.withColumn("_r", F.row_number().over(order)).where(
        F.col("_r") <= limit[F.concat_ws("/", "split", "task")]
    ).drop("_r")
    return mixed, {f"{s}/{t}": n for (s, t), n in sorted(keep.items())}


def catalog_text(catalog: DataFrame) -> DataFrame:
    """Add ``title_norm`` and ``text`` (title + brand + category words), normalized like queries."""
    text = F.concat_ws(" ", "title", F.coalesce("brand", F.lit("")), F.coalesce("category", F.lit("")))
    return catalog.withColumn("title_norm", normalize_udf(F.col("title"))).withColumn("text", normalize_udf(text))


def catalog_docs(catalog: DataFrame) -> DataFrame:
    """(product_id, title, text): the offline search index for GRPO's conversion reward (BM25, on
    ``text``) and the titles ``qrw train lexicon`` mines merchant words from."""
    return catalog.select("product_id", "title", "text")


def corpus_lines(catalog: DataFrame, behaviour: DataFrame) -> DataFrame:
    """Plain text for tokenizer/LM pretraining: titles, descriptions, the usual raw form of each query."""
    one_line = lambda c: F.trim(F.regexp_replace(c, r"\s+", " "))  # noqa: E731
    parts = [
        catalog.select(one_line(F.col("title")).alias("value")),
        catalog.where(F.col("description").isNotNull()).select(one_line(F.col("description")).alias("value")),
        behaviour.select(one_line(F.col("query")).alias("value")),
    ]
    lines = parts[0]
    for p in parts[1:]:
        lines = lines.unionByName(p)
    return lines.where(F.col("value") != "").distinct()


# --------------------------------------------------------------------------- writing


def _fs(spark: SparkSession, path: str):
    jvm = spark.sparkContext._jvm
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    return hpath.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()), hpath


def write_delta(df: DataFrame, path: str) -> None:
    """Replace the table at ``path`` (schema included): reruns overwrite."""
    df.write.format("delta").mode("overwrite").option("overwriteSchema", "true").save(path)


def _single_file(spark: SparkSession, df: DataFrame, path: str, fmt: str, order: list | None = None, drop: list | None = None) -> None:
    """Write ``df`` as one file at ``path`` (any Hadoop URI): one part file, renamed into place.

    ``order`` sorts the rows (inside the single partition: no sampling job), so reruns write identical
    files; ``drop`` removes sort-only columns afterwards.
    """
    tmp = f"{path}._spark"
    one = df.repartition(1).sortWithinPartitions(*order) if order else df.coalesce(1)
    if drop:
        one = one.drop(*drop)
    writer = one.write.mode("overwrite")
    (writer.option("ignoreNullFields", "true").json(tmp) if fmt == "json" else writer.text(tmp))
    fs, target = _fs(spark, path)
    _, folder = _fs(spark, tmp)
    parts = [s.getPath() for s in fs.listStatus(folder) if s.getPath().getName().startswith("part-")]
    if fs.exists(target):
        fs.delete(target, False)
    if parts:
        fs.rename(parts[0], target)
        _, crc = _fs(spark, f"{target.getParent()}/.{target.getName()}.crc")
        if fs.exists(crc):  # the local FS's checksum of the part file: noise next to a JSONL
            fs.delete(crc, False)
    else:  # an empty frame writes no part file; an empty file still says "no rows"
        fs.create(target, True).close()
    fs.delete(folder, True)


def write_jsonl(spark: SparkSession, df: DataFrame, path: str, order: list | None = None, drop: list | None = None) -> None:
    _single_file(spark, df, path, "json", order, drop)


def write_lines(spark: SparkSession, df: DataFrame, path: str) -> None:
    _single_file(spark, df, path, "text", [df.columns[0]])


def write_json_file(spark: SparkSession, obj_text: str, path: str) -> None:
    """A small text file (the summary) through Hadoop FS."""
    fs, target = _fs(spark, path)
    stream = fs.create(target, True)
    try:
        stream.write(bytearray(obj_text.encode("utf-8")))
    finally:
        stream.close()
