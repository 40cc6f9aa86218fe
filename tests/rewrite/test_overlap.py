"""Overlapping the engine with emitting (``rewrite.inflight_chunks``, issue #16).

With ``inflight_chunks`` >= 2 a producer thread runs the engine work of chunk i+1 while
the task emits chunk i. What must not change: the rows and their order (any setting, a
real engine included), the continue-on-error policy (one bad query -> empty rewrites),
a broken engine failing the task with the same error, and the engine serving one call at
a time. A failure must never leave the task (or a thread) hanging.
"""

from __future__ import annotations

import threading

import pyarrow as pa
import pytest

from qrw.config import EngineSection, RewriteSection
from qrw.engine.base import EngineError
from qrw.engine.fake import FakeEngine
from qrw.engine.instant import InstantEngine
from qrw.rewrite.infer import OUTPUT_ARROW, InferSettings, InjectedFault, PartitionStats, infer_partition

from .conftest import make_cfg
from .test_infer import _batches

#: Columns that describe the run, not the dictionary (time, memory, process).
BOOKKEEPING = {"engine_ms", "load_ms", "rss_peak_mb", "worker_pid"}
#: A join that takes this long means a hung thread (a hang detector, not a timing assertion).
HANG_S = 120


def _settings(inflight: int, kind: str = "fake", chunk_size: int = 3, **kw) -> InferSettings:
    rw = RewriteSection(min_relevance=0.0, top_k=3, chunk_size=chunk_size, inflight_chunks=inflight, **kw)
    return InferSettings.from_config(EngineSection(kind=kind, num_candidates=4), rw, model_dir="unused", model_version="m")


def _producers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "qrw-engine-producer"]


def _rows(queries, engine, settings, info=None) -> list[dict]:
    out = list(infer_partition(_batches(queries), settings, lambda: engine, info or PartitionStats()))
    table = pa.Table.from_batches(out, schema=OUTPUT_ARROW) if out else OUTPUT_ARROW.empty_table()
    return [{k: v for k, v in r.items() if k not in BOOKKEEPING} for r in table.to_pylist()]


class OneCallAtATime:
    """Wraps an engine; fails loudly if two calls ever overlap, and records the calling threads."""

    def __init__(self, inner):
        self.inner = inner
        self.model_version = "m"
        self.stats = inner.stats
        self._busy = threading.Lock()
        self.threads: set[int] = set()
        self.calls = 0

    def _call(self, name, *args):
        if not self._busy.acquire(blocking=False):
            raise AssertionError("two engine calls at once")
        try:
            self.threads.add(threading.get_ident())
            self.calls += 1
            return getattr(self.inner, name)(*args)
        finally:
            self._busy.release()

    def generate(self, queries, decoding):
        return self._call("generate", queries, decoding)

    def score(self, pairs):
        return self._call("score", pairs)


QUERIES = [f"brand{i} running shoes" for i in range(17)] + ["👟 kids toys", "usb c cable 2m", "red\x07 \x1b[31mshoes\x00"]


@pytest.mark.parametrize("make_engine, kind", [(FakeEngine, "fake"), (InstantEngine, "instant")])
def test_the_same_rows_in_the_same_order_whatever_the_setting(make_engine, kind):
    baseline = _rows(QUERIES, make_engine(), _settings(1, kind))
    assert len(baseline) == len(QUERIES) and all(r["rewrites"] for r in baseline)
    for inflight in (2, 3, 8):
        engine = OneCallAtATime(make_engine())
        assert _rows(QUERIES, engine, _settings(inflight, kind)) == baseline, inflight
        assert len(engine.threads) == 1 and engine.calls == 2 * 7  # one generate + one score per chunk of 3
    assert not _producers()


def test_a_real_engine_gives_the_same_rows_with_and_without_overlap(tmp_path):
    """The tiny HF model (real transformers generate + label scoring), beam search: deterministic per call."""
    import torch

    from qrw.engine.hf_engine import HfEngine
    from qrw.engine.testing import build_tiny_model

    torch.set_num_threads(1)
    model = build_tiny_model(tmp_path / "tiny")
    cfg = EngineSection(kind="hf", num_candidates=2, max_new_tokens=6, decoding="beam")
    queries = QUERIES[:5]
    rows = {}
    engine = HfEngine(cfg, model, model_version="tiny")  # beam search: no RNG, so one engine serves both settings
    for inflight in (1, 2):
        settings = InferSettings.from_config(
            cfg, RewriteSection(min_relevance=0.0, chunk_size=2, inflight_chunks=inflight), model_dir=model, model_version=engine.model_version
        )
        rows[inflight] = _rows(queries, engine, settings)
    engine.close()
    assert [r["query"] for r in rows[1]] == queries
    assert sum(r["candidates"] for r in rows[1]) > 0 and sum(r["gen_tokens"] for r in rows[1]) > 0
    assert rows[2] == rows[1]


def test_one_bad_query_still_gets_empty_rewrites_under_overlap():
    rows = _rows(["running shoes", "poison pill", "usb c cable", "kettle 2l"], FakeEngine(fail_on=["poison"]), _settings(3, chunk_size=2))
    by_query = {r["query"]: r for r in rows}
    assert by_query["poison pill"]["rewrites"] == [] and "injected failure" in by_query["poison pill"]["error"]
    assert all(by_query[q]["rewrites"] and by_query[q]["error"] is None for q in ("running shoes", "usb c cable", "kettle 2l"))


def _run_in_thread(fn):
    """Run ``fn`` and return (result or exception); a hang shows as a thread still alive."""
    box = {}

    def target():
        try:
            box["result"] = fn()
        except BaseException as exc:  # noqa: BLE001
            box["error"] = exc

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(HANG_S)
    assert not t.is_alive(), "the task hung"
    return box


@pytest.mark.parametrize("inflight", [1, 2, 4])
def test_a_broken_engine_fails_the_task_with_the_same_error_after_the_earlier_chunks(inflight):
    """Chunk 2 of 3 breaks the engine (every query fails): the task fails, with chunk 1 already out."""
    queries = ["a shoes", "b shoes", "c kettle", "d kettle", "e lamp", "f lamp"]
    produced = []

    def run():
        for batch in infer_partition(_batches(queries, size=2), _settings(inflight, chunk_size=2), lambda: FakeEngine(fail_on=["kettle"]), PartitionStats()):
            produced.append(batch.num_rows)

    box = _run_in_thread(run)
    assert isinstance(box.get("error"), EngineError) and "injected failure" in str(box["error"])
    assert produced == [2]
    assert not _producers()


@pytest.mark.parametrize("inflight", [1, 3])
def test_fault_injection_fails_mid_partition_under_overlap(inflight):
    queries = [f"brand{i} sneakers" for i in range(12)]
    settings = _settings(inflight, chunk_size=4, fail_once_after=5, fail_partition=1)
    produced = []

    def run():
        for batch in infer_partition(_batches(queries), settings, FakeEngine, PartitionStats(partition=1, attempt=0)):
            produced.append(batch.num_rows)

    box = _run_in_thread(run)
    assert isinstance(box.get("error"), InjectedFault)
    assert produced == [4]
    assert not _producers()


def test_a_consumer_that_stops_early_stops_and_joins_the_producer():
    engine = OneCallAtATime(FakeEngine())
    gen = infer_partition(_batches([f"q{i} shoes" for i in range(40)], size=2), _settings(2, chunk_size=2), lambda: engine, PartitionStats())
    assert next(gen).num_rows == 2
    gen.close()  # what Spark does when a task is killed or a downstream limit is reached
    assert not _producers()
    calls = engine.calls
    assert calls <= 2 * 4  # at most the chunks the slots allowed ahead, never the whole partition
    assert engine.calls == calls  # and nothing calls the engine afterwards


def test_an_empty_partition_never_loads_an_engine_under_overlap():
    made = []
    out = list(infer_partition(iter(()), _settings(2), lambda: made.append(1) or FakeEngine(), PartitionStats()))
    assert out == [] and made == []


def test_inflight_chunks_is_validated():
    with pytest.raises(Exception, match="inflight_chunks"):
        make_cfg("rewrite.inflight_chunks=0")


def test_spark_mapinarrow_gives_the_same_rows_with_and_without_overlap(spark):
    """Real Spark, the job's own task function: the producer thread reads the task's Arrow input inside a Python worker."""
    from qrw.rewrite.infer import OUTPUT_SCHEMA, make_infer_fn

    queries = [f"brand{i} trail shoes" for i in range(40)]
    df = spark.createDataFrame([(q, q, 3, 2) for q in queries], "query_norm string, query string, query_freq long, distinct_users long").repartition(2, "query_norm")
    got = {}
    for inflight in (1, 3):
        settings = InferSettings.from_config(
            EngineSection(kind="fake", num_candidates=4), RewriteSection(min_relevance=0.0, chunk_size=3, inflight_chunks=inflight), model_dir="fake", model_version="fake-engine-v1"
        )
        rows = df.mapInArrow(make_infer_fn(settings), OUTPUT_SCHEMA).collect()
        got[inflight] = sorted((r["partition_id"], r["query_norm"], str(r["rewrites"]), r["error"]) for r in rows)
    assert len(got[1]) == len(queries) and {p for p, *_ in got[1]} == {0, 1}
    assert all(rw != "[]" and err is None for _, _, rw, err in got[1])
    assert got[3] == got[1]
