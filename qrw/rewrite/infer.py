"""The inference stage: a ``mapInArrow`` function that turns query batches into dictionary rows.

Inside each Spark task:

- the task's GPU address (stage-level scheduling) picks the engine's device;
- ``get_engine`` returns the Python worker's ONE cached engine (loaded on the
  first task of the worker, reused by every later batch, partition and run);
- queries are gathered into large chunks (``rewrite.chunk_size``): ONE
  ``generate`` call (plus the nearest catalog titles, with ``rewrite.catalog``), then
  ONE ``score`` call over all surviving candidates of the chunk, so the engine batches freely and the shared prompt prefix is cached;
- a query that breaks the engine cannot take the task down: the chunk is retried
  query by query and only the failing query gets empty rewrites (with ``error``).
  If *every* query of a chunk fails the engine itself is broken and the task
  fails, so Spark retries it and a broken engine never writes a night of empties.

Per-row bookkeeping columns (device, partition, attempt, tokens, engine time)
go to the staging table, so the run summary and per-partition throughput come
from what was actually committed (a retried attempt's partial work is not counted).
Per-partition values are carried by the partition's first row (``load_ms``) or
apportioned per query (``engine_ms``), so sums over rows are exact.
"""

from __future__ import annotations

import itertools
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from pyspark.sql import types as T

from ..calibration import Calibration, resolve_min_relevance
from ..config import EngineSection, RewriteSection
from ..engine.base import Decoding, EngineStats
from ..grounding import GroundedScorer
from ..tables import DICTIONARY_SCHEMA, arrow_schema
from .postprocess import CleanCandidate, clean_candidates, rank
from .lexical import with_lexicon
from .retrieved import with_retrieved

#: Output of the inference function: the selected query's columns, its ``rewrites`` (the
#: dictionary's own type, from qrw.tables) and per-row bookkeeping for the run summary.
OUTPUT_SCHEMA = T.StructType(
    [
        *(DICTIONARY_SCHEMA[name] for name in ("query_norm", "query", "query_freq", "distinct_users", "rewrites")),
        T.StructField("device", T.StringType()),
        T.StructField("partition_id", T.IntegerType()),
        T.StructField("attempt", T.IntegerType()),
        T.StructField("candidates", T.IntegerType()),
        T.StructField("kept", T.IntegerType()),
        T.StructField("gen_tokens", T.LongType()),
        T.StructField("engine_ms", T.DoubleType()),
        T.StructField("load_ms", T.DoubleType()),
        T.StructField("rss_peak_mb", T.DoubleType()),
        T.StructField("worker_pid", T.IntegerType()),
        T.StructField("error", T.StringType()),
    ]
)
OUTPUT_ARROW = arrow_schema(OUTPUT_SCHEMA)


class InjectedFault(RuntimeError):
    """Raised by ``rewrite.fail_once_after`` to prove Spark retries a task and the result is unchanged."""


@dataclass(frozen=True)
class InferSettings:
    """Everything a task needs, pickled once into the closure (no SparkSession in workers)."""

    engine: EngineSection
    model_dir: str
    model_version: str
    #: How every generate() call of the run decodes (the engine's call-time settings).
    decoding: Decoding
    top_k: int
    #: The resolved threshold (qrw.calibration.resolve_min_relevance), on the calibrated scale.
    min_relevance: float
    relevance_weight: float
    likelihood_weight: float
    max_rewrite_chars: int
    chunk_size: int
    #: Chunks a task holds at once; >= 2 overlaps the engine with emitting (see :func:`infer_partition`).
    inflight_chunks: int = 2
    fail_once_after: int | None = None
    fail_partition: int = 0
    #: Local runs only: a folder where tasks report rows done, for the driver's progress bar.
    progress_dir: str | None = None
    #: The model whose relevance task scores (None: the policy, model_dir) and the policy's own version.
    scorer_dir: str | None = None
    policy_version: str | None = None
    #: Applied to every score before ranking and the threshold (None: the raw score).
    calibration: Calibration | None = None
    #: The catalog's title index (qrw.retrieval.TitleIndex) whose nearest titles join the candidates; None: none.
    retriever: object | None = None
    retrieval_candidates: int = 0
    #: ``always`` or ``no_match`` (rewrite.retrieval_when: titles only for null-result queries).
    retrieval_when: str = "always"
    #: Scores by the catalog titles each candidate retrieves (qrw.grounding.Grounding); None: by its text.
    grounding: object | None = None
    #: The term lexicon (qrw.lexicon.Lexicon) whose rewrite of each query joins the candidates; None: none.
    lexicon: object | None = None

    @classmethod
    def from_config(cls, engine: EngineSection, rewrite: RewriteSection, *, model_dir: str, model_version: str, progress_dir: str | None = None, scoring=None, policy_version: str | None = None,
                    retriever=None, lexicon=None, grounding=None) -> "InferSettings":
        """``scoring`` (:class:`qrw.rewrite.scoring.Scoring`) names the scorer, its calibration and the threshold;
        ``retriever`` (:func:`qrw.rewrite.retrieved.load_catalog`) adds catalog titles to the candidates,
        ``lexicon`` (:func:`qrw.rewrite.lexical.load_lexicon`) the lexicon's rewrite; ``grounding``
        (:func:`qrw.rewrite.retrieved.load_catalog`) scores each candidate by the titles it retrieves."""
        if scoring is None:
            min_relevance, _ = resolve_min_relevance(rewrite.min_relevance, None)
        else:
            min_relevance = scoring.min_relevance
        return cls(
            engine=engine,
            model_dir=model_dir,
            model_version=model_version,
            decoding=Decoding.from_config(engine),
            top_k=rewrite.top_k,
            min_relevance=min_relevance,
            relevance_weight=rewrite.relevance_weight,
            likelihood_weight=rewrite.likelihood_weight,
            max_rewrite_chars=rewrite.max_rewrite_chars,
            chunk_size=max(1, rewrite.chunk_size),
            inflight_chunks=rewrite.inflight_chunks,
            fail_once_after=rewrite.fail_once_after,
            fail_partition=rewrite.fail_partition,
            progress_dir=progress_dir,
            scorer_dir=None if scoring is None or scoring.is_policy else scoring.model_dir,
            policy_version=policy_version,
            calibration=None if scoring is None else scoring.calibration,
            retriever=retriever,
            retrieval_candidates=rewrite.retrieval_candidates if retriever is not None else 0,
            retrieval_when=rewrite.retrieval_when,
            grounding=grounding,
            lexicon=lexicon,
        )


@dataclass
class PartitionStats:
    partition: int = 0
    attempt: int = 0
    device: str = "cpu"
    rows_in: int = 0
    rows_out: int = 0
    engine_s: float = 0.0
    load_s: float = 0.0
    gen_tokens: int = 0
    started: float = field(default_factory=time.perf_counter)
    #: The engines' :class:`~qrw.engine.base.EngineStats` counters for this partition alone
    #: (generating engine + scoring engine; the engines live across partitions, so this is a delta).
    engine_counters: dict[str, float] = field(default_factory=dict)


def engine_totals(engine, scorer) -> dict[str, float]:
    """The generating engine's cumulative counters plus, when another engine scores, its counters (an engine without ``stats``: none)."""
    engines = [engine] if scorer is engine else [engine, scorer]
    total: dict[str, float] = {}
    for e in engines:
        stats = getattr(e, "stats", None)
        for key, value in (stats.snapshot() if stats is not None else {}).items():
            total[key] = total.get(key, 0) + value
    return total


def peak_rss_mb() -> float:
    """Peak resident memory of this Python worker (Linux VmHWM; ru_maxrss elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def task_placement() -> tuple[int, int, str | None]:
    """(partition, attempt, GPU address or None) of the running Spark task (0, 0, None outside Spark)."""
    from pyspark import TaskContext

    ctx = TaskContext.get()
    if ctx is None:
        return 0, 0, None
    gpu = (ctx.resources() or {}).get("gpu")
    address = gpu.addresses[0] if gpu is not None and gpu.addresses else None
    return ctx.partitionId(), ctx.attemptNumber(), address


def call_isolating_failures(call: Callable[[list], list], items: list) -> tuple[list, list[str | None]]:
    """``call(items)``; when the batch fails, item by item. Returns results (None = failed) and errors.

    Raises when every item of a multi-item batch fails: that is a broken engine, not a bad query.
    """
    try:
        return list(call(items)), [None] * len(items)
    except Exception as batch_exc:  # noqa: BLE001 - any engine error; isolated below
        results, errors = [], []
        for item in items:
            try:
                results.append(call([item])[0])
                errors.append(None)
            except Exception as exc:  # noqa: BLE001
                results.append(None)
                errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
        if len(items) > 1 and all(e is not None for e in errors):
            raise batch_exc
        return results, errors


@dataclass
class EngineChunk:
    """What the engine made of one chunk (:func:`engine_chunk`), before ranking."""

    generated: list
    gen_errors: list[str | None]
    cleaned: list[list[CleanCandidate]]
    scores: list
    engine_s: float


def calibrated(scores: list, settings: InferSettings) -> list:
    """The scores on the scale the threshold and the dictionary use (the scorer's calibration, if any)."""
    cal = settings.calibration
    return list(scores) if cal is None else cal.apply_many(scores)


def engine_chunk(keys: list[str], engine, settings: InferSettings, scorer=None) -> EngineChunk:
    """The part of a chunk that needs the engine: ONE generate, clean, ONE score over the survivors.

    ``scorer`` (default: ``engine``) is the engine of ``rewrite.scorer_model``; its scores are
    calibrated here, before :func:`rank_chunk` thresholds and orders them.
    Only ever called on one thread at a time for a given engine (see :func:`infer_partition`).
    """
    scorer = engine if scorer is None else scorer
    if settings.grounding is not None:
        scorer = GroundedScorer(scorer, settings.grounding)
    t0 = time.perf_counter()
    generated, gen_errors = call_isolating_failures(lambda qs: engine.generate(qs, settings.decoding), list(keys))
    respelled = settings.lexicon.rewrites(list(keys)) if settings.lexicon is not None else None
    generated = with_retrieved(list(keys), generated, gen_errors, settings.retriever, settings.retrieval_candidates, settings.retrieval_when, respelled)
    generated = with_lexicon(list(keys), generated, gen_errors, settings.lexicon, respelled)
    max_chars = settings.max_rewrite_chars
    cleaned = [clean_candidates(key, cands or [], max_chars) for key, cands in zip(keys, generated)]
    pairs = [(key, c.text) for key, cl in zip(keys, cleaned) for c in cl]
    scores, _ = call_isolating_failures(scorer.score, pairs) if pairs else ([], [])
    return EngineChunk(generated, gen_errors, cleaned, calibrated(scores, settings), time.perf_counter() - t0)


def rank_chunk(done: EngineChunk, settings: InferSettings) -> tuple[dict[str, list], int]:
    """Rank each query's scored candidates -> output columns (no engine), and the generated tokens."""
    out = {name: [] for name in ("rewrites", "candidates", "kept", "gen_tokens", "error")}
    pos = 0
    total_tokens = 0
    for cands, cl, err in zip(done.generated, done.cleaned, done.gen_errors):
        rel = done.scores[pos : pos + len(cl)]
        pos += len(cl)
        # A pair whose scoring failed alone is dropped (None), never guessed.
        usable = [(c, r) for c, r in zip(cl, rel) if r is not None]
        rewrites = rank(
            [c for c, _ in usable],
            [r for _, r in usable],
            top_k=settings.top_k,
            min_relevance=settings.min_relevance,
            relevance_weight=settings.relevance_weight,
            likelihood_weight=settings.likelihood_weight,
        )
        tokens = sum(int(c.num_tokens or 0) for c in (cands or []))
        total_tokens += tokens
        out["rewrites"].append(rewrites)
        out["candidates"].append(len(cands or []))
        out["kept"].append(len(rewrites))
        out["gen_tokens"].append(tokens)
        out["error"].append(err)
    return out, total_tokens


def process_chunk(rows: dict[str, list], engine, settings: InferSettings, scorer=None) -> tuple[dict[str, list], float, int]:
    """One generate + one score call for a chunk of queries -> output columns, engine seconds, generated tokens."""
    done = engine_chunk(rows["query_norm"], engine, settings, scorer)
    out, tokens = rank_chunk(done, settings)
    return out, done.engine_s, tokens


def _report_progress(settings: InferSettings, info: PartitionStats) -> None:
    if not settings.progress_dir:
        return
    try:
        path = Path(settings.progress_dir) / f"p{info.partition}"
        tmp = path.with_suffix(f".{info.attempt}.tmp")
        tmp.write_text(str(info.rows_out))
        os.replace(tmp, path)
    except OSError:
        pass  # progress is cosmetic


def log_partition(info: PartitionStats, model_version: str) -> None:
    """One line per partition in the executor's stderr: the numbers to watch on a cluster."""
    wall = time.perf_counter() - info.started
    busy = max(info.engine_s, 1e-9)
    c = info.engine_counters
    # Where the engine time went (generate vs score) and how much of the prompt the prefix cache
    # served (vllm; the shared system prompt should make this high): the first things to check
    # when a partition is slow.
    engine = (
        f" generate_s={c.get('generate_seconds', 0.0):.2f} score_s={c.get('score_seconds', 0.0):.2f}"
        f" scored_pairs={int(c.get('pairs', 0))} prompt_tokens={int(c.get('prompt_tokens', 0))}"
        f" prefix_cache_hit={c.get('cached_prompt_tokens', 0) / max(c.get('prompt_tokens', 0), 1):.2f}"
        if c
        else ""
    )
    print(
        f"qrw.rewrite partition={info.partition} attempt={info.attempt} device={info.device} "
        f"model={model_version} queries={info.rows_out} engine_s={info.engine_s:.2f} load_s={info.load_s:.2f} "
        f"wall_s={wall:.2f} queries_per_s={info.rows_out / busy:.1f} gen_tokens={info.gen_tokens} "
        f"tokens_per_s={info.gen_tokens / busy:.1f} peak_rss_mb={peak_rss_mb():.0f}{engine}",
        file=sys.stderr,
        flush=True,
    )


def _chunks(batches: Iterator[pa.RecordBatch], settings: InferSettings, info: PartitionStats) -> Iterator[dict[str, list]]:
    """Input Arrow batches -> chunks of ``chunk_size`` rows (columns as lists); fault injection here."""
    pending: dict[str, list] = {c: [] for c in ("query_norm", "query", "query_freq", "distinct_users")}
    for batch in batches:
        cols = batch.to_pydict()
        for name in pending:
            pending[name].extend(cols[name])
        info.rows_in += batch.num_rows
        if (
            settings.fail_once_after is not None
            and info.attempt == 0
            and info.partition == settings.fail_partition
            and info.rows_in > settings.fail_once_after
        ):
            raise InjectedFault(
                f"rewrite.fail_once_after={settings.fail_once_after}: partition {info.partition} attempt 0 "
                f"fails after {info.rows_in} rows (fault injection; the retry succeeds)"
            )
        while len(pending["query_norm"]) >= settings.chunk_size:
            yield {k: v[: settings.chunk_size] for k, v in pending.items()}
            pending = {k: v[settings.chunk_size :] for k, v in pending.items()}
    if pending["query_norm"]:
        yield pending


_DONE = object()


def _overlapped(chunks: Iterator[dict[str, list]], work: Callable[[dict[str, list]], object], inflight: int) -> Iterator[tuple[dict[str, list], object]]:
    """``(chunk, work(chunk))`` in input order, ``work`` running on ONE producer thread up to ``inflight`` chunks ahead.

    Why a thread: the engine call (and the input read feeding it) overlaps with what the
    task does with the previous chunk (rank, Arrow, Spark writing the batch out), as Ray
    Data keeps several batches in flight per engine actor. Only the producer thread ever
    calls ``work``, one chunk after the other, so the engine still serves one call at a
    time, in the same order as without overlap (same RNG sequence, same output).

    A semaphore bounds the chunks held: one is taken before a chunk is read and given back
    once the consumer has emitted its result. An exception in the producer (a broken
    engine, the injected fault) is re-raised here, unchanged, after the results before it.
    When the consumer stops early (task killed, generator closed), the producer is told to
    stop and joined: no engine call from this task outlives it.
    """
    import queue
    import threading

    results: queue.Queue = queue.Queue()
    slots = threading.Semaphore(inflight)
    stop = threading.Event()

    def take_slot() -> bool:
        while not stop.is_set():
            if slots.acquire(timeout=0.1):
                return True
        return False

    def produce() -> None:
        try:
            while take_slot():
                chunk = next(chunks, _DONE)
                if chunk is _DONE or stop.is_set():
                    break
                results.put((chunk, work(chunk)))
        except BaseException as exc:  # noqa: BLE001 - handed to the task's thread, raised there
            results.put(exc)
        finally:
            results.put(_DONE)

    producer = threading.Thread(target=produce, name="qrw-engine-producer", daemon=True)
    producer.start()
    try:
        while True:
            item = results.get()
            if item is _DONE:
                break
            if isinstance(item, BaseException):
                raise item
            yield item
            slots.release()
    finally:
        stop.set()
        producer.join()


def infer_partition(
    batches: Iterator[pa.RecordBatch],
    settings: InferSettings,
    engine_factory: Callable[[], object],
    info: PartitionStats,
    scorer_factory: Callable[[], object] | None = None,
) -> Iterator[pa.RecordBatch]:
    """The body of a task: chunks of input rows -> Arrow batches of :data:`OUTPUT_ARROW`.

    ``engine_factory`` (and ``scorer_factory``, the ``rewrite.scorer_model``'s engine; None: the
    policy scores) is called lazily, on the task's thread, so an empty partition never
    loads a model. With ``inflight_chunks`` >= 2 the engine work of chunk i+1 (generate,
    clean, score) runs on a producer thread while chunk i is ranked and emitted; 1 runs
    everything on the task's thread. Both give the same rows in the same order.
    """
    engine = None
    scorer = None
    before: dict[str, float] = {}

    def load() -> None:
        nonlocal engine, scorer, before
        t0 = time.perf_counter()
        engine = engine_factory()
        scorer = scorer_factory() if scorer_factory is not None else engine
        info.load_s = time.perf_counter() - t0
        before = engine_totals(engine, scorer)
        expected = settings.policy_version or settings.model_version
        if getattr(engine, "model_version", expected) != expected:
            print(
                f"qrw.rewrite WARNING: engine model_version {engine.model_version!r} != run's {expected!r}",
                file=sys.stderr,
                flush=True,
            )

    def emit(chunk: dict[str, list], done: EngineChunk) -> pa.RecordBatch:
        first = info.rows_out == 0
        n = len(chunk["query_norm"])
        out, tokens = rank_chunk(done, settings)
        info.engine_s += done.engine_s
        info.gen_tokens += tokens
        info.rows_out += n
        rss = peak_rss_mb()
        data = {
            **chunk,
            **out,
            "device": [info.device] * n,
            "partition_id": [info.partition] * n,
            "attempt": [info.attempt] * n,
            "engine_ms": [done.engine_s * 1000.0 / n] * n,
            "load_ms": [info.load_s * 1000.0 if (first and i == 0) else 0.0 for i in range(n)],
            "rss_peak_mb": [rss] * n,
            "worker_pid": [os.getpid()] * n,
        }
        _report_progress(settings, info)
        return pa.RecordBatch.from_pydict(data, schema=OUTPUT_ARROW)

    chunks = _chunks(batches, settings, info)
    if settings.inflight_chunks <= 1:
        for chunk in chunks:
            if engine is None:
                load()
            yield emit(chunk, engine_chunk(chunk["query_norm"], engine, settings, scorer))
    else:
        first = next(chunks, None)  # read on the task's thread: the engine loads here, only when needed
        if first is not None:
            load()
            rest = itertools.chain([first], chunks)
            for chunk, done in _overlapped(rest, lambda c: engine_chunk(c["query_norm"], engine, settings, scorer), settings.inflight_chunks):
                yield emit(chunk, done)
    if info.rows_out:
        info.engine_counters = EngineStats.delta(engine_totals(engine, scorer), before)
        log_partition(info, settings.model_version)


def make_infer_fn(settings: InferSettings) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """The function handed to ``DataFrame.mapInArrow`` (a closure over picklable settings only)."""

    def infer(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        partition, attempt, gpu = task_placement()
        info = PartitionStats(partition=partition, attempt=attempt, device=gpu if gpu is not None else "cpu")

        def factory():
            from ..engine import get_engine

            return get_engine(settings.engine, settings.model_dir, device=gpu)

        def scorer_factory():
            from ..engine import get_engine

            return get_engine(settings.engine, settings.scorer_dir, device=gpu)

        yield from infer_partition(batches, settings, factory, info, scorer_factory if settings.scorer_dir else None)

    return infer

