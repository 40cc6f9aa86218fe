"""``qrw train bootstrap``: the embedded default base model, built from our own data.

Nothing can be downloaded here, so the paper's "pretrained on user data and product
information" stage is done at CPU scale: a byte-level BPE tokenizer and a few-million
parameter Qwen2 decoder pretrained (next-token loss) on catalog titles, descriptions,
brands and categories, search queries, and (query => engaged product title) pairs.
A real checkpoint (e.g. Qwen2.5) can replace this via ``qrw train sft --base``.

Only **train-split** queries may reach pretraining (qrw.data.splits): the split comes
from the training-data job's ``query_splits.jsonl`` (``--data``), since a raw log alone
cannot say which queries are held out. Without ``--data`` no query text is used at all
(catalog only). Every document the tokenizer and the model saw is written beside the
model (``bootstrap_documents.jsonl.gz``), so anyone can audit what it trained on
(``qrw.eval.leakage`` does, and the leakage test).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import math
import random
import time
from pathlib import Path

from ..config import QrwConfig
from ..errors import QrwError
from ..normalize import normalize
from ..prompts import RELEVANCE_GRADE_MEANING, SYSTEM_PROMPT, relevance_completion, relevance_messages, rewrite_messages

log = logging.getLogger(__name__)

DOCUMENTS_FILE = "bootstrap_documents.jsonl.gz"


def allowed_queries(data: str | Path | None) -> set[str] | None:
    """The normalized queries bootstrap may learn from: the train split of the data job at ``data``.

    None when no ``data`` is given: then no query text is used (catalog only).
    """
    if data is None:
        return None
    from ..data.splits import TRAIN
    from .data import query_splits

    return {q for q, split in query_splits(data).items() if split == TRAIN}


def filter_texts(texts: dict[str, list[str]], allowed: set[str] | None) -> dict[str, list[str]]:
    """Keep queries and (query => title) pairs whose normalized query is allowed (None: drop them all)."""
    ok = (lambda q: False) if allowed is None else (lambda q: normalize(q) in allowed)
    return {
        **texts,
        "queries": [q for q in texts.get("queries", []) if ok(q)],
        "pairs": [p for p in texts.get("pairs", []) if ok(p.partition(" => ")[0])],
    }


def collect_texts(
    spark, search_log: str, catalog: str, fmt: str | None, cfg: QrwConfig, allowed: set[str] | None = None
) -> dict[str, list[str]]:
    """Catalog text, distinct allowed queries and (allowed query => engaged title) pairs, via the contract readers.

    ``allowed``: normalized train-split queries (:func:`allowed_queries`); None uses no query.
    user_id is only used inside Spark to attach a query to the click that followed it;
    it never reaches the texts.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    from ..io import read_catalog, read_search_log
    from ..io.readers import normalize_udf

    cap = cfg.train.bootstrap.max_texts
    products = read_catalog(spark, catalog, fmt=fmt).valid
    events = read_search_log(spark, search_log, cfg.input, fmt=fmt).valid

    catalog_rows = products.select("product_id", "title", "brand", "category", "description").limit(cap).collect()
    catalog_texts = []
    for r in catalog_rows:
        head = " | ".join(x for x in (r["title"], r["brand"], r["category"]) if x)
        catalog_texts.append(head)
        if r["description"]:
            catalog_texts.append(f"{r['title']}. {r['description']}")

    allowed_df = spark.createDataFrame([(q,) for q in sorted(allowed or ())], "query_norm string")
    queries = [
        r["query"]
        for r in events.where(F.col("event_type") == "search")
        .join(allowed_df, "query_norm", "left_semi")
        .groupBy("query")
        .count()
        .orderBy(F.desc("count"), "query")
        .limit(cap)
        .collect()
    ]

    # The query an engagement belongs to: its own, else the last search before it in the session
    # (or the same user's stream when session_id is null).
    session = F.coalesce(F.col("session_id"), F.concat(F.lit("u:"), F.col("user_id")))
    w = Window.partitionBy(session).orderBy("event_time").rowsBetween(Window.unboundedPreceding, 0)
    last_search = F.last(F.when(F.col("event_type") == "search", F.col("query")), ignorenulls=True).over(w)
    engaged = (
        events.withColumn("q", F.coalesce(F.col("query"), last_search))
        .where((F.col("event_type") != "search") & F.col("q").isNotNull())
        .select(F.col("q").alias("query"), "product_id")
        .distinct()
        .withColumn("query_norm", normalize_udf(F.col("query")))
        .join(allowed_df, "query_norm", "left_semi")
        .join(products.select("product_id", "title"), "product_id")
        .limit(cap)
        .collect()
    )
    pairs = [f"{r['query']} => {r['title']}" for r in engaged]
    return filter_texts({"catalog": catalog_texts, "queries": queries, "pairs": pairs}, allowed)


def prompt_texts(queries: list[str], n: int = 200) -> list[str]:
    """Rendered prompt contents, so the tokenizer has compact tokens for the fixed template text."""
    texts = [SYSTEM_PROMPT, *RELEVANCE_GRADE_MEANING.values(), *(["system\n", "user\n", "assistant\n"] * 50)]
    for q in queries[:n]:
        for m in rewrite_messages(q) + relevance_messages(q, q):
            texts.append(m["content"])
    return texts


def pack_blocks(tokenizer, texts: list[str], seq_len: int, seed: int) -> list[list[int]]:
    """Shuffle texts and pack whole ones (each + <|endoftext|>) into blocks of at most ``seq_len`` tokens.

    A text is only cut when it alone is longer than a block, so a chat document keeps its
    query in the same block as the answer that depends on it. Blocks vary in length; the
    collator pads them with <|endoftext|>, which is masked out of the loss.
    """
    from .tokenizer import EOT

    texts = list(texts)
    random.Random(seed).shuffle(texts)
    eot = tokenizer.convert_tokens_to_ids(EOT)
    blocks: list[list[int]] = []
    current: list[int] = []
    for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]:
        doc = ids + [eot]
        if len(current) + len(doc) > seq_len and current:
            blocks.append(current)
            current = []
        while len(doc) > seq_len:
            blocks.append(doc[:seq_len])
            doc = doc[seq_len:]
        current += doc
    if len(current) > 1:
        blocks.append(current)
    return blocks


def chat_documents(tokenizer, pairs: list[str]) -> list[str]:
    """(query => engaged title) rendered as a rewrite-task chat: the user data in the prompt format.

    Pretraining on these teaches the small model to read the query inside the chat
    template and answer with merchant words, so SFT starts from a model that already
    conditions on the query (without them a tiny model learns to ignore it). The title is
    normalized, the form SFT's rewrites and the batch job's output take: the base then
    learns to copy query tokens as they are (docs/results.md).
    """
    docs = []
    for query, title in split_pairs(pairs):
        messages = rewrite_messages(query) + [{"role": "assistant", "content": normalize(title)}]
        docs.append(tokenizer.apply_chat_template(messages, tokenize=False))
    return docs


def split_pairs(pairs: list[str]) -> list[tuple[str, str]]:
    """``"query => title"`` texts (as collect_texts writes them) back into (query, title), dropping broken ones."""
    return [(q, t) for q, _, t in (p.partition(" => ") for p in pairs) if q and t]


def click_relevance_documents(tokenizer, pairs: list[str], seed: int) -> list[str]:
    """Behaviour as relevance-task chats: (query, engaged title) -> "2", (query, an unrelated engaged title) -> "0".

    The unrelated title is another engagement's title sharing no word with this one. These
    weak labels come from clicks alone (no judged data); they teach the small model early
    to compare the query with the candidate text at the label position, which SFT's few
    graded examples cannot teach a from-scratch model in CPU minutes.
    """
    rng = random.Random(seed)
    parsed = split_pairs(pairs)
    titles = sorted({t for _, t in parsed})
    if len(titles) < 2:
        return []
    docs = []
    for query, title in parsed:
        words = set(title.lower().split())
        for _ in range(5):
            other = rng.choice(titles)
            if not words & set(other.lower().split()):
                break
        else:
            continue
        for candidate, grade in ((title, 2), (other, 0)):
            messages = relevance_messages(query, candidate) + [{"role": "assistant", "content": relevance_completion(grade)}]
            docs.append(tokenizer.apply_chat_template(messages, tokenize=False))
    return docs


def planned_steps(n_blocks: int, batch_size: int, max_steps: int, epochs: float | None) -> int:
    """Optimizer steps to plan: ``epochs`` passes over the blocks when set (at most ``max_steps``), else ``max_steps``."""
    if epochs is None:
        return max_steps
    return max(1, min(max_steps, math.ceil(epochs * n_blocks / batch_size)))


def pretrain(model, tokenizer, blocks: list[list[int]], cfg: QrwConfig, workdir: Path) -> dict:
    """Next-token pretraining with the HF Trainer under a step and time budget."""
    from datasets import Dataset
    from transformers import DataCollatorForLanguageModeling, Trainer, TrainingArguments

    from .callbacks import TimeBudget
    from .modeling import use_cpu

    b = cfg.train.bootstrap
    n_eval = min(64, max(1, len(blocks) // 50))
    train_ds = Dataset.from_dict({"input_ids": blocks[n_eval:]})
    eval_ds = Dataset.from_dict({"input_ids": blocks[:n_eval]})
    steps_planned = planned_steps(len(train_ds), b.batch_size, b.max_steps, b.epochs)
    args = TrainingArguments(
        output_dir=str(workdir),
        max_steps=steps_planned,
        per_device_train_batch_size=b.batch_size,
        per_device_eval_batch_size=b.batch_size,
        learning_rate=b.learning_rate,
        lr_scheduler_type="cosine",
        warmup_steps=min(100, max(1, steps_planned // 20)),
        weight_decay=0.01,
        logging_steps=max(1, min(50, steps_planned // 10)),
        save_strategy="no",
        report_to="none",
        seed=cfg.train.seed,
        use_cpu=use_cpu(cfg.train),
        dataloader_num_workers=0,
        disable_tqdm=True,
    )
    budget = TimeBudget(b.time_budget_s, cfg.train.budget_clock)
    tokenizer.padding_side = "right"  # training batches pad at the end; generation/scoring use left
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=train_ds,
        eval_dataset=eval_ds,
        data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=False),
        callbacks=[budget],
    )
    start, start_cpu = time.monotonic(), time.process_time()
    result = trainer.train()
    seconds, cpu_seconds = time.monotonic() - start, time.process_time() - start_cpu
    metrics = trainer.evaluate()
    tokenizer.padding_side = "left"
    mean_block = sum(len(x) for x in blocks) / len(blocks)
    steps = trainer.state.global_step
    return {
        "steps": steps,
        "steps_planned": steps_planned,
        "epochs_seen": round(steps * b.batch_size / max(1, len(train_ds)), 3),
        "train_loss": round(result.training_loss, 4),
        "eval_loss": round(metrics["eval_loss"], 4),
        "train_seconds": round(seconds, 1),
        "train_cpu_seconds": round(cpu_seconds, 1),
        "tokens_seen": int(steps * b.batch_size * mean_block),
        "stopped_by_time_budget": budget.stopped_early,
        "schedule_fitted_to_steps": budget.forecast_steps,
    }


def write_documents(path: Path, tokenizer_texts: list[tuple[str, str]], documents: list[tuple[str, str]]) -> dict:
    """Every text the tokenizer and the LM saw, gzip'd JSON Lines ``{"use", "source", "text"}``; returns its identity.

    ``use`` is ``tokenizer`` (BPE training corpus) or ``lm`` (a pretraining document, as
    rendered: chats include the template). Written in a fixed order with a zero gzip
    mtime, so the same texts give the same bytes (and sha256).
    """
    digest = hashlib.sha256()
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as fh:
        for use, rows in (("tokenizer", tokenizer_texts), ("lm", documents)):
            for source, text in rows:
                line = (json.dumps({"use": use, "source": source, "text": text}, ensure_ascii=False) + "\n").encode("utf-8")
                digest.update(line)
                fh.write(line)
    return {"file": path.name, "sha256": digest.hexdigest()[:16], "tokenizer_texts": len(tokenizer_texts), "lm_documents": len(documents)}


def read_documents(model_dir: str | Path) -> list[dict]:
    """The documents a bootstrap model was trained on (``{use, source, text}`` rows)."""
    path = Path(model_dir) / DOCUMENTS_FILE
    if not path.exists():
        raise QrwError(f"{path} is missing: {model_dir} was not written by this version of `qrw train bootstrap`")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def bootstrap_from_texts(
    cfg: QrwConfig, texts: dict[str, list[str]], out: str | Path, sources: dict | None = None, allowed: set[str] | None = None
) -> Path:
    """Tokenizer + pretraining from already-gathered texts (the Spark-free half; tests use it).

    ``allowed``: when given, queries and pairs are filtered to it once more here (the
    texts may come from a file, scripts/train_without_spark.py).
    """
    import shutil

    from .modeling import init_model, param_count, save_model_dir, setup_torch
    from .tokenizer import train_tokenizer

    setup_torch(cfg.train)
    if allowed is not None:
        texts = filter_texts(texts, allowed)
    b = cfg.train.bootstrap
    catalog, queries, pairs = texts.get("catalog", []), texts.get("queries", []), texts.get("pairs", [])
    corpus = catalog + queries + pairs
    if len(corpus) < 10:
        raise QrwError(
            f"only {len(corpus)} catalog/query texts to pretrain on; the search log and catalog look empty "
            "(check the reader counts and rejects)"
        )
    out = Path(out)
    tokenizer_texts = (
        [("catalog", t) for t in catalog] + [("query", t) for t in queries] + [("pair", t) for t in pairs]
        + [("prompt", t) for t in prompt_texts(queries)]
    )
    tokenizer = train_tokenizer([t for _, t in tokenizer_texts], b.vocab_size, b.model.max_position)
    # The (query => title) pairs go in as chats when chat_pairs is on, not twice as plain text.
    documents = [("catalog", t) for t in catalog] + [("query", t) for t in queries]
    if b.chat_pairs:
        documents += [("chat", t) for t in chat_documents(tokenizer, pairs)]
    else:
        documents += [("pair", t) for t in pairs]
    if b.click_relevance:
        documents += [("click_relevance", t) for t in click_relevance_documents(tokenizer, pairs, cfg.train.seed)]
    docs = [t for _, t in documents]
    blocks = pack_blocks(tokenizer, docs, b.seq_len, cfg.train.seed)
    if len(blocks) < 2:
        raise QrwError(f"the texts make only {len(blocks)} blocks of {b.seq_len} tokens; lower train.bootstrap.seq_len")
    model = init_model(tokenizer, b.model, seed=cfg.train.seed)
    log.info("bootstrap: %d documents, %d blocks, vocab %d, %d params", len(docs), len(blocks), len(tokenizer), param_count(model))
    workdir = out / "_pretrain"
    stats = pretrain(model, tokenizer, blocks, cfg, workdir)
    shutil.rmtree(workdir, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    audit = write_documents(out / DOCUMENTS_FILE, tokenizer_texts, documents)
    save_model_dir(
        model,
        tokenizer,
        out,
        kind="bootstrap",
        base=None,
        data={
            **(sources or {}),
            "texts": {k: len(v) for k, v in texts.items()},
            "documents": len(docs),
            "blocks": len(blocks),
            "queries_from": "train split" if allowed is not None else "none (catalog only)",
            "allowed_queries": None if allowed is None else len(allowed),
            "documents_file": audit,
        },
        training_config=cfg.train.bootstrap.model_dump(),
        params=param_count(model),
        vocab_size=len(tokenizer),
        metrics=stats,
    )
    log.info("bootstrap model written to %s (%s)", out, stats)
    return out


def bootstrap(cfg: QrwConfig, *, search_log: str, catalog: str, out: str, data: str | None = None, fmt: str | None = None) -> Path:
    """``qrw train bootstrap``: read the raw inputs with Spark, then tokenizer + pretraining.

    ``data``: the training-data job's output; its train split names the queries that may
    be used. Without it, only the catalog is (a warning says so).
    """
    from ..spark import spark_session

    from .common import setup_logging

    setup_logging()
    allowed = allowed_queries(data)
    if allowed is None:
        log.warning("bootstrap: no --data (training-data output) given, so no query split is known: pretraining on the catalog only")
    texts = collect_texts(spark_session(cfg), search_log, catalog, fmt, cfg, allowed)
    sources = {"search_log": search_log, "catalog": catalog, "split_from": data}
    return bootstrap_from_texts(cfg, texts, out, sources=sources, allowed=allowed)
